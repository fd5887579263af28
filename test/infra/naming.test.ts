/**
 * The naming conventions of a pipeline's resources and the deployment's variable names are spelled once,
 * in workflow/contract.ts. Renaming one there renames the handlers' resources and the stack's IAM
 * patterns together (checked by the IAM engine on the synthesized template), and no other source file
 * spells them.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { CfnElement } from 'aws-cdk-lib';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import { applicationLogging } from '../../lambdas/shared/application-logs';
import { resolveInput } from '../../lambdas/validate-input';
import {
  DeploymentVariables,
  PipelineNames,
  ProvisionState,
  type ProvisionConfig,
} from '../../workflow/contract';
import {
  evaluate,
  policiesOfRole,
  requestsFor,
  Sample,
  TemplateResolver,
  type NamedPolicy,
  type Resources,
} from './iam-model';
import { orchestratorApp } from './synth';

const ProjectRoot = path.resolve(__dirname, '..', '..');

/** Another convention for every name, applied by replacing the contract's functions only. */
const Renamed = {
  stream: (pipeline: string) => `${pipeline}-events`,
  bucket: (pipeline: string, account: string, region: string) => `pipe-${pipeline}-${account}-${region}`,
  application: (pipeline: string) => `${pipeline}-flink`,
  crawler: (pipeline: string) => `${pipeline}-indexer`,
  codeKey: 'jobs/flinkflow-app.zip',
  outputPrefix: 'results/',
};

/** The IAM requests that touch each named resource, by principal. */
function requestsOf(config: ProvisionConfig) {
  const logging = applicationLogging(config);
  const variables = {
    Partition: Sample.partition,
    Region: Sample.region,
    Account: Sample.account,
    StreamName: config.streamName,
    BucketName: config.bucketName,
    ApplicationName: config.applicationName,
    CrawlerName: config.crawlerName,
    LogGroupName: logging.logGroupName,
    LogStreamName: logging.logStreamName,
  };
  const object = (key: string) => ({ ...variables, ObjectName: key });
  return [
    { principal: ProvisionState.CreateStream, action: 'kinesis:CreateStream', variables },
    { principal: ProvisionState.CreateBucket, action: 's3:CreateBucket', variables },
    { principal: ProvisionState.UploadCode, action: 's3:PutObject', variables: object(config.codeKey) },
    { principal: ProvisionState.CreateApplication, action: 'logs:CreateLogGroup', variables },
    { principal: ProvisionState.StartApplication, action: 'kinesisanalytics:StartApplication', variables },
    { principal: ProvisionState.CheckApplicationHealth, action: 'logs:FilterLogEvents', variables },
    { principal: ProvisionState.CreateCrawler, action: 'glue:UpdateCrawler', variables },
    { principal: ProvisionState.DescribeFailure, action: 'glue:GetCrawler', variables },
    {
      principal: 'FlinkApplicationRole',
      action: 's3:PutObject',
      variables: object(`${config.outputPrefix}ticker=AAPL/part-0.csv`),
    },
    { principal: 'FlinkApplicationRole', action: 'kinesis:GetRecords', variables },
  ] as const;
}

describe('Naming conventions', () => {
  describe('renamed in workflow/contract.ts only', () => {
    const original = { ...PipelineNames };
    let policies: Map<string, NamedPolicy[]>;
    let renamedConfig: ProvisionConfig;
    let oldRequests: ReturnType<typeof requestsOf>;

    beforeAll(() => {
      const settings = {
        codeAssetBucket: 'assets',
        codeAssetKey: 'asset.zip',
        applicationRoleArn: `arn:aws:iam::${Sample.account}:role/app`,
        crawlerRoleArn: `arn:aws:iam::${Sample.account}:role/crawler`,
        glueDatabase: 'flinkflow',
        account: Sample.account,
        region: Sample.region,
      };
      oldRequests = requestsOf(resolveInput({ pipelineName: Sample.pipelineName }, settings).config);
      Object.assign(PipelineNames, Renamed);
      renamedConfig = resolveInput({ pipelineName: Sample.pipelineName }, settings).config;

      const { app, stack } = orchestratorApp();
      const resources = (app.synth().getStackByName(stack.stackName).template as { Resources: Resources })
        .Resources;
      const resolver = new TemplateResolver(resources);
      const roleOf = (role: IRole | undefined) => stack.getLogicalId(role!.node.defaultChild as CfnElement);
      policies = new Map<string, NamedPolicy[]>([
        ['FlinkApplicationRole', policiesOfRole(resources, roleOf(stack.applicationRole), resolver)],
        ...Object.entries(stack.functions).map(
          ([task, fn]) =>
            [task, policiesOfRole(resources, roleOf(fn.role), resolver)] as [string, NamedPolicy[]],
        ),
      ]);
    }, 120_000);

    afterAll(() => {
      Object.assign(PipelineNames, original);
    });

    it("It should derive the handlers' names from the renamed convention", () => {
      // Assess
      expect(renamedConfig).toMatchObject({
        streamName: 'ticks-demo-events',
        bucketName: `pipe-ticks-demo-${Sample.account}-${Sample.region}`,
        applicationName: 'ticks-demo-flink',
        crawlerName: 'ticks-demo-indexer',
        codeKey: 'jobs/flinkflow-app.zip',
        outputPrefix: 'results/',
      });
      expect(applicationLogging(renamedConfig).logGroupName).toBe('/aws/kinesis-analytics/ticks-demo-flink');
    });

    it('It should allow each principal its calls on the renamed resources, and deny them on the old names', async () => {
      // Prepare
      const wrong: string[] = [];

      // Act
      const renamed = requestsOf(renamedConfig);
      for (const [i, entry] of renamed.entries()) {
        const held = policies.get(entry.principal)!;
        for (const request of await requestsFor(entry.action, entry.variables, 'renamed')) {
          const verdict = await evaluate(held, request);
          if (verdict !== 'Allowed')
            wrong.push(`${entry.principal} ${entry.action} ${request.resource}: ${verdict}`);
        }
        const before = oldRequests[i]!;
        for (const request of await requestsFor(before.action, before.variables, 'old name')) {
          const verdict = await evaluate(held, request);
          if (verdict === 'Allowed')
            wrong.push(`${before.principal} ${before.action} ${request.resource}: Allowed`);
        }
      }

      // Assess
      expect(renamed.length).toBe(10);
      expect(wrong).toEqual([]);
    });
  });

  it('It should spell the conventions and the deployment variables in workflow/contract.ts only', () => {
    // Prepare: every source file of the project (tests, benchmarks and docs may show names as examples).
    const files = execFileSync('git', ['ls-files', '*.ts'], { cwd: ProjectRoot, encoding: 'utf8' })
      .split('\n')
      .filter((file) => file !== '' && !/^(test|bench)\//.test(file));
    const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    const quote = '[\'"`]';
    const suffixOf = (name: (pipeline: string) => string) => name('');
    const bucketPrefix = PipelineNames.bucket('\0', '', '').split('\0')[0]!;
    const spelled = [
      // `${pipeline}-ticks`, `*-ticks`: a suffix after a placeholder or a wildcard.
      ...[PipelineNames.stream, PipelineNames.application, PipelineNames.crawler].map(
        (name) => new RegExp(`(\\}|\\*)${escape(suffixOf(name))}${quote}`),
      ),
      new RegExp(`${quote}${escape(bucketPrefix)}(\\$\\{[^}]*\\}|\\*)-`),
      new RegExp(`${quote}${escape(PipelineNames.codeKey)}${quote}`),
      new RegExp(`${quote}${escape(PipelineNames.outputPrefix)}${quote}`),
      ...Object.values(DeploymentVariables)
        .filter((name) => name !== DeploymentVariables.region)
        .map((name) => new RegExp(`${quote}${name}${quote}`)),
    ];

    // Act
    const offenders = files.flatMap((file) => {
      const text = fs.readFileSync(path.join(ProjectRoot, file), 'utf8');
      return spelled.filter((pattern) => pattern.test(text)).map((pattern) => `${file}: ${pattern}`);
    });

    // Assess
    expect(files.length).toBeGreaterThan(50);
    expect(offenders.filter((offender) => !offender.startsWith('workflow/contract.ts:'))).toEqual([]);
    expect(
      offenders.filter((offender) => offender.startsWith('workflow/contract.ts:')).length,
    ).toBeGreaterThanOrEqual(6);
  });
});
