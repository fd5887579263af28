/**
 * Helpers for the tests that run the real job and break it on purpose: a code zip whose job throws after
 * its first records, an application made and started straight through the Managed Flink API, the JVMs of
 * a running job, and CloudWatch read by independent clients (boto3, the AWS CLI).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  CreateApplicationCommand,
  DescribeApplicationOperationCommand,
  KinesisAnalyticsV2Client,
  StartApplicationCommand,
} from '@aws-sdk/client-kinesis-analytics-v2';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { commandLineOf } from '../../local/common/processes';

export const REPO = path.resolve(__dirname, '..', '..');
export const PACKAGED_ZIP = path.join(REPO, 'flink-app', 'dist', 'flinkflow-app.zip');
const PYTHON = path.join(REPO, '.venv', 'bin', 'python');
const AWS_CLI = path.join(REPO, '.venv', 'bin', 'aws');

/** Copies `zip` to `out` with main.py replaced by `mainPy`. */
export function withMain(zip: string, out: string, mainPy: string): void {
  const main = `${out}.main.py`;
  fs.writeFileSync(main, mainPy);
  execFileSync(PYTHON, [
    '-c',
    'import sys, zipfile\nsrc, out, main = sys.argv[1:]\n' +
      'with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:\n' +
      '    for item in zin.infolist():\n' +
      '        data = open(main, "rb").read() if item.filename == "main.py" else zin.read(item)\n' +
      '        zout.writestr(item, data)\n',
    zip,
    out,
    main,
  ]);
  fs.rmSync(main);
}

/**
 * The packaged job, wrapped: a Python UDF on the price raises `message` once it has seen `failAfter`
 * records. With `markerFile` it fails the first time only (it leaves the file), so Flink restarts the job
 * once and it then runs on; with `null` it fails after every (re)start, a crash loop. Everything else is
 * the real job.
 */
export function zipFailingAfterRecords(
  out: string,
  message: string,
  failAfter: number,
  markerFile: string | null,
) {
  withMain(
    PACKAGED_ZIP,
    out,
    `import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pyflink.table import DataTypes
from pyflink.table.udf import udf
from flinkflow_app.config import is_local, load_job_config
from flinkflow_app.job import create_table_environment, submit
from flinkflow_app.sql import job_statements

MARKER = ${markerFile === null ? 'None' : JSON.stringify(markerFile)}
seen = [0]

@udf(result_type=DataTypes.DOUBLE())
def fail_once(price):
    seen[0] += 1
    if seen[0] >= ${failAfter} and (MARKER is None or not os.path.exists(MARKER)):
        if MARKER is not None:
            open(MARKER, "w").close()
        raise RuntimeError(${JSON.stringify(message)})
    return price

config = load_job_config(os.environ)
t_env = create_table_environment(config.window)
t_env.create_temporary_function("fail_once", fail_once)
statements = job_statements(config)
assert "AVG(price)" in statements.insert, statements.insert
statements = type(statements)(ddl=statements.ddl, insert=statements.insert.replace("AVG(price)", "AVG(fail_once(price))"))
result = submit(t_env, statements)
if is_local(os.environ):
    result.wait()
`,
  );
}

/** Pids of the Java processes whose command line mentions `marker` (a run's folder, say). */
export function javaPidsMentioning(marker: string): number[] {
  return fs
    .readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => {
      const commandLine = commandLineOf(pid);
      return /(^|\/)java\s/.test(commandLine) && commandLine.includes(marker);
    });
}

/** Where an application's restarts and log lines are read from, and which lines. */
export interface TelemetryQuery {
  endpoint: string;
  region: string;
  application: string;
  logGroupName: string;
  logStreamName: string;
  filterPattern: string;
}

/** What boto3 reads from the local CloudWatch and CloudWatch Logs: an independent client. */
export function readWithBoto3(options: TelemetryQuery): { maxNumRestarts: number; messages: string[] } {
  const script = `
import datetime, json, sys, boto3
o = json.loads(sys.argv[1])
kw = dict(endpoint_url=o["endpoint"], region_name=o["region"], aws_access_key_id="test", aws_secret_access_key="test")
now = datetime.datetime.now(datetime.timezone.utc)
data = boto3.client("cloudwatch", **kw).get_metric_data(
    StartTime=now - datetime.timedelta(minutes=30), EndTime=now + datetime.timedelta(minutes=1),
    MetricDataQueries=[{"Id": "r", "MetricStat": {"Metric": {"Namespace": "AWS/KinesisAnalytics",
        "MetricName": "numRestarts", "Dimensions": [{"Name": "Application", "Value": o["application"]}]},
        "Period": 60, "Stat": "Maximum"}}])
values = data["MetricDataResults"][0]["Values"]
events = boto3.client("logs", **kw).filter_log_events(logGroupName=o["logGroupName"],
    logStreamNames=[o["logStreamName"]], filterPattern=o["filterPattern"])["events"]
print(json.dumps({"maxNumRestarts": max(values) if values else -1, "messages": [e["message"] for e in events]}))
`;
  const out = execFileSync(PYTHON, ['-c', script, JSON.stringify(options)], { encoding: 'utf8' });
  return JSON.parse(out) as { maxNumRestarts: number; messages: string[] };
}

/**
 * The same reading with the AWS CLI (from the project venv): a second client no one here wrote, driven
 * only by its own flags and the endpoint, as a user at a shell would.
 */
export function readWithAwsCli(options: TelemetryQuery): { maxNumRestarts: number; messages: string[] } {
  const env = {
    ...process.env,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_REGION: options.region,
    AWS_DEFAULT_REGION: options.region,
  };
  const aws = (args: string[]) =>
    JSON.parse(
      execFileSync(AWS_CLI, [...args, '--endpoint-url', options.endpoint, '--output', 'json'], {
        encoding: 'utf8',
        env,
      }),
    ) as Record<string, unknown>;
  const now = Date.now();
  const query = [
    {
      Id: 'r',
      MetricStat: {
        Metric: {
          Namespace: 'AWS/KinesisAnalytics',
          MetricName: 'numRestarts',
          Dimensions: [{ Name: 'Application', Value: options.application }],
        },
        Period: 60,
        Stat: 'Maximum',
      },
    },
  ];
  const data = aws([
    'cloudwatch',
    'get-metric-data',
    '--start-time',
    new Date(now - 30 * 60_000).toISOString(),
    '--end-time',
    new Date(now + 60_000).toISOString(),
    '--metric-data-queries',
    JSON.stringify(query),
  ]) as { MetricDataResults: { Values: number[] }[] };
  const values = data.MetricDataResults[0]?.Values ?? [];
  const events = aws([
    'logs',
    'filter-log-events',
    '--log-group-name',
    options.logGroupName,
    '--log-stream-names',
    options.logStreamName,
    '--filter-pattern',
    options.filterPattern,
  ]) as { events: { message: string }[] };
  return {
    maxNumRestarts: values.length ? Math.max(...values) : -1,
    messages: events.events.map((e) => e.message),
  };
}

/** What an application made by createAndStartApplication reads and writes. */
export interface TestApplication {
  name: string;
  region: string;
  account: string;
  /** A versioned bucket that exists; the zip goes to `code/<name>.zip`. */
  codeBucket: string;
  zip: Buffer;
  stream: string;
  outputBucket: string;
  windowSeconds: number;
  watermarkSeconds: number;
  startTimeoutMs: number;
}

/**
 * Uploads the zip, makes the application's log stream and creates and starts the application with a
 * 3 s checkpoint interval and no snapshots, straight through the Managed Flink API (no provisioning
 * machine), then waits for the start operation to succeed. Returns the log stream it writes to.
 */
export async function createAndStartApplication(
  clients: { s3: S3Client; flink: KinesisAnalyticsV2Client; logs: CloudWatchLogsClient },
  app: TestApplication,
): Promise<{ logGroupName: string; logStreamName: string }> {
  const { s3, flink, logs } = clients;
  const codeKey = `code/${app.name}.zip`;
  const put = await s3.send(new PutObjectCommand({ Bucket: app.codeBucket, Key: codeKey, Body: app.zip }));
  const logGroupName = `/aws/kinesis-analytics/${app.name}`;
  const logStreamName = 'kinesis-analytics-log-stream';
  await logs.send(new CreateLogGroupCommand({ logGroupName }));
  await logs.send(new CreateLogStreamCommand({ logGroupName, logStreamName }));
  await flink.send(
    new CreateApplicationCommand({
      ApplicationName: app.name,
      RuntimeEnvironment: 'FLINK-1_20',
      ServiceExecutionRole: `arn:aws:iam::${app.account}:role/flinkflow-app-role`,
      CloudWatchLoggingOptions: [
        {
          LogStreamARN: `arn:aws:logs:${app.region}:${app.account}:log-group:${logGroupName}:log-stream:${logStreamName}`,
        },
      ],
      ApplicationConfiguration: {
        ApplicationCodeConfiguration: {
          CodeContentType: 'ZIPFILE',
          CodeContent: {
            S3ContentLocation: {
              BucketARN: `arn:aws:s3:::${app.codeBucket}`,
              FileKey: codeKey,
              ObjectVersion: put.VersionId!,
            },
          },
        },
        EnvironmentProperties: {
          PropertyGroups: [
            {
              PropertyGroupId: 'consumer.config.0',
              PropertyMap: {
                'input.stream.name': app.stream,
                'aws.region': app.region,
                'flink.stream.initpos': 'TRIM_HORIZON',
              },
            },
            {
              PropertyGroupId: 'sink.config.0',
              PropertyMap: { 'output.bucket.name': app.outputBucket, 'output.prefix': `${app.name}/` },
            },
            {
              PropertyGroupId: 'job.config.0',
              PropertyMap: {
                'window.seconds': String(app.windowSeconds),
                'watermark.seconds': String(app.watermarkSeconds),
              },
            },
            {
              PropertyGroupId: 'kinesis.analytics.flink.run.options',
              PropertyMap: { python: 'main.py', jarfile: 'lib/flinkflow-app-deps.jar' },
            },
          ],
        },
        FlinkApplicationConfiguration: {
          CheckpointConfiguration: {
            ConfigurationType: 'CUSTOM',
            CheckpointingEnabled: true,
            CheckpointInterval: 3_000,
            MinPauseBetweenCheckpoints: 1_000,
          },
        },
        ApplicationSnapshotConfiguration: { SnapshotsEnabled: false },
      },
    }),
  );
  const started = await flink.send(new StartApplicationCommand({ ApplicationName: app.name }));
  const deadline = Date.now() + app.startTimeoutMs;
  for (;;) {
    const op = await flink.send(
      new DescribeApplicationOperationCommand({
        ApplicationName: app.name,
        OperationId: started.OperationId!,
      }),
    );
    const details = op.ApplicationOperationInfoDetails!;
    if (details.OperationStatus === 'SUCCESSFUL') return { logGroupName, logStreamName };
    if (details.OperationStatus !== 'IN_PROGRESS' || Date.now() > deadline) {
      throw new Error(
        `${app.name} did not start: ${details.OperationStatus} ${details.OperationFailureDetails?.ErrorInfo?.ErrorString ?? ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}
