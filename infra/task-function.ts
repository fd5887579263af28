/**
 * The Lambda function of one provisioning task, with the project's defaults baked in: the newest Node.js
 * runtime aws-cdk-lib offers, ARM64, X-Ray tracing, a log group with retention, source maps, and esbuild
 * bundling on this machine (never Docker). Its role starts empty apart from writing its own logs; each
 * task's permissions are added by the stack, scoped to the pipeline's resource names.
 */
import path from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { DeploymentVariables, type DeploymentSettings, type ProvisionLambdaTask } from '../workflow/contract';
import { CrawlTaskTimeoutSeconds } from '../workflow/crawl-and-query';
import type { CrawlLambdaTask } from '../workflow/crawl-contract';
import type { TaskName } from '../lambdas/shared/handler';
import { lambdaFolderName, ProvisionTaskTimeoutSeconds } from '../workflow/provisioning';
import { RedeployTaskTimeoutSeconds, StartRedeployTimeoutSeconds } from '../workflow/redeploy';
import { StartRedeployTask, type RedeployLambdaTask } from '../workflow/redeploy-contract';

/** Any task function the stack deploys: a task of one of the machines, or the redeploy starter. */
export type TaskFunctionName = TaskName;

/**
 * The handler folder (the kebab-case of the name, whatever the machine) and the default timeout of a
 * task function: its state's TimeoutSeconds from its machine's table. Teardown tasks pass theirs.
 */
function folderAndTimeout(task: TaskName): { folder: string; timeoutSeconds: number | undefined } {
  const folder = lambdaFolderName(task);
  if (task in ProvisionTaskTimeoutSeconds)
    return { folder, timeoutSeconds: ProvisionTaskTimeoutSeconds[task as ProvisionLambdaTask] };
  if (task in CrawlTaskTimeoutSeconds)
    return { folder, timeoutSeconds: CrawlTaskTimeoutSeconds[task as CrawlLambdaTask] };
  if (task === StartRedeployTask) return { folder, timeoutSeconds: StartRedeployTimeoutSeconds };
  if (task in RedeployTaskTimeoutSeconds)
    return { folder, timeoutSeconds: RedeployTaskTimeoutSeconds[task as RedeployLambdaTask] };
  return { folder, timeoutSeconds: undefined };
}

function defaultTimeoutOf(task: TaskName, timeoutSeconds: number | undefined): number {
  if (timeoutSeconds === undefined)
    throw new Error(`Task ${task} has no default timeout; pass timeoutSeconds (its state's TimeoutSeconds).`);
  return timeoutSeconds;
}

/** The repository root, where lambdas/ and package-lock.json live. */
export const ProjectRoot = path.resolve(__dirname, '..');

/** The runtime of every task: the newest Node.js Lambda runtime in aws-cdk-lib 2.276. */
export const TaskRuntime = lambda.Runtime.NODEJS_24_X;

export interface TaskFunctionProps {
  /** The state the function serves; its handler is lambdas/<kebab-case of the name>/index.ts. */
  readonly task: TaskName;
  /** The function's timeout: its state's. Default: the provisioning or crawl task's own budget. */
  readonly timeoutSeconds?: number;
  /** How long the function's logs are kept. */
  readonly logRetention: logs.RetentionDays;
  /** Default 256 MB: the tasks make a handful of API calls and hold nothing large in memory. */
  readonly memorySize?: number;
}

/** A task's function, of any machine; see the module comment for its defaults. */
export class TaskFunction extends NodejsFunction {
  readonly task: TaskName;

  constructor(scope: Construct, id: string, props: TaskFunctionProps) {
    // Created here rather than by Lambda on first write, so that retention and removal are ours and the
    // role can be limited to this one log group.
    const logGroup = new logs.LogGroup(scope, `${id}LogGroup`, {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // An explicit role without AWSLambdaBasicExecutionRole, whose logs:* on every log group we do not want.
    const role = new iam.Role(scope, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `flinkflow task ${props.task}`,
    });
    const { folder, timeoutSeconds } = folderAndTimeout(props.task);
    super(scope, id, {
      entry: path.join(ProjectRoot, 'lambdas', folder, 'index.ts'),
      handler: 'handler',
      projectRoot: ProjectRoot,
      depsLockFilePath: path.join(ProjectRoot, 'package-lock.json'),
      runtime: TaskRuntime,
      architecture: lambda.Architecture.ARM_64,
      tracing: lambda.Tracing.ACTIVE,
      timeout: Duration.seconds(props.timeoutSeconds ?? defaultTimeoutOf(props.task, timeoutSeconds)),
      memorySize: props.memorySize ?? 256,
      logGroup,
      role,
      loggingFormat: lambda.LoggingFormat.JSON,
      environment: { NODE_OPTIONS: '--enable-source-maps' },
      bundling: {
        // esbuild from node_modules; Docker is neither needed nor available.
        forceDockerBundling: false,
        target: 'node24',
        format: OutputFormat.CJS,
        minify: true,
        sourceMap: true,
        sourceMapMode: SourceMapMode.DEFAULT,
        sourcesContent: false,
        // The SDK versions the tests ran with, not whatever the runtime ships.
        bundleAwsSDK: true,
      },
    });
    this.task = props.task;
    logGroup.grantWrite(this);
  }

  /** Sets the deployment settings the tasks read at cold start (see lambdas/shared/config.ts). */
  bindDeploymentSettings(settings: Omit<DeploymentSettings, 'region'>): this {
    // AWS_REGION is set by Lambda itself and is reserved.
    for (const [setting, value] of Object.entries(settings)) {
      this.addEnvironment(DeploymentVariables[setting as keyof typeof settings], value);
    }
    return this;
  }
}
