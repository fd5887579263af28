/**
 * The crawl-and-query part of the orchestrator stack: the machine as the local runner renders it, its
 * functions' settings and least-privilege roles, the encrypted verdict topic, the dead-letter queue of
 * the validation schedules, the scheduler's role, the schedule's wiring into CreateValidationSchedule,
 * and the Athena workgroup that the local cloud's deployment makes from the same function.
 */
import type { CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { validationWorkGroupConfiguration } from '../../infra/crawl-and-query';
import type { OrchestratorStack } from '../../infra/orchestrator-stack';
import { ProvisionState } from '../../workflow/contract';
import { CrawlMachineTimeoutSeconds, CrawlTaskTimeoutSeconds } from '../../workflow/crawl-and-query';
import { CrawlLambdaTasks, CrawlState, type CrawlLambdaTask } from '../../workflow/crawl-contract';
import { renderedFunctionArn } from '../../workflow/render';
import { renderCrawlAndQueryAsl } from '../../workflow/render-crawl';
import { orchestratorApp } from './synth';

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;
interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
  Principal?: unknown;
}
const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

describe('OrchestratorStack: crawl-and-query', () => {
  let stack: OrchestratorStack;
  let template: Template;
  let resources: Resources;
  const id = (element: unknown) => stack.getLogicalId(element as CfnElement);

  beforeAll(() => {
    const built = orchestratorApp();
    stack = built.stack;
    // Synthesizing runs the AwsSolutions checks: an unacknowledged finding throws here.
    built.app.synth();
    template = Template.fromStack(stack);
    resources = template.toJSON()['Resources'] as Resources;
  });

  /** The statements of the policies attached to a role. */
  const statementsOf = (role: iam.IRole): Statement[] => {
    const roleId = id(role.node.defaultChild);
    return Object.values(resources)
      .filter(
        (r) =>
          r.Type === 'AWS::IAM::Policy' &&
          (r.Properties['Roles'] as Array<{ Ref: string }>).some((ref) => ref.Ref === roleId),
      )
      .flatMap((r) => (r.Properties['PolicyDocument'] as { Statement: Statement[] }).Statement);
  };
  const actionsOf = (task: CrawlLambdaTask) =>
    statementsOf(stack.crawlAndQuery.functions[task].role!)
      .flatMap((s) => asList(s.Action))
      .filter((a) => !a.startsWith('logs:') && !a.startsWith('xray:'))
      .sort();

  it('It should deploy exactly the definition the local runner renders, with its timeout', () => {
    // Prepare
    const machine = resources[id(stack.crawlAndQuery.stateMachine.stateMachine.node.defaultChild)]!;
    const taskOf = new Map(
      CrawlLambdaTasks.map((task) => [id(stack.crawlAndQuery.functions[task].node.defaultChild), task]),
    );

    // Act
    const joined = (machine.Properties['DefinitionString'] as { 'Fn::Join': [string, unknown[]] })[
      'Fn::Join'
    ][1]
      .map((part) =>
        typeof part === 'string'
          ? part
          : renderedFunctionArn(taskOf.get((part as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0])!),
      )
      .join('');

    // Assess
    const deployed = JSON.parse(joined) as { TimeoutSeconds: number };
    expect(deployed).toEqual(renderCrawlAndQueryAsl());
    expect(deployed.TimeoutSeconds).toBe(CrawlMachineTimeoutSeconds);
    expect(machine.Properties['TracingConfiguration']).toEqual({ Enabled: true });
    expect(machine.Properties['LoggingConfiguration']).toMatchObject({
      Level: 'ALL',
      IncludeExecutionData: true,
    });
  });

  it.each(CrawlLambdaTasks)('It should give %s its timeout and the crawl deployment settings', (task) => {
    // Prepare
    const properties = resources[id(stack.crawlAndQuery.functions[task].node.defaultChild)]!.Properties;

    // Act
    const variables = (properties['Environment'] as { Variables: Record<string, unknown> }).Variables;

    // Assess
    expect(properties['Timeout']).toBe(CrawlTaskTimeoutSeconds[task]);
    expect(Object.keys(variables).sort()).toEqual(
      ['ATHENA_WORKGROUP', 'AWS_ACCOUNT_ID', 'GLUE_DATABASE', 'NODE_OPTIONS', 'VERDICT_TOPIC_ARN'].sort(),
    );
    expect(variables['VERDICT_TOPIC_ARN']).toEqual({
      Ref: id(stack.crawlAndQuery.verdictTopic.node.defaultChild),
    });
    expect(variables['ATHENA_WORKGROUP']).toEqual({ Ref: id(stack.workGroup) });
  });

  it.each([
    [CrawlState.ValidateCrawlInput, []],
    [CrawlState.StartCrawl, ['glue:StartCrawler']],
    [CrawlState.GetCrawlStatus, ['glue:GetCrawler']],
    [CrawlState.CheckTable, ['glue:GetTable']],
    [CrawlState.GetQueryStatus, ['athena:GetQueryExecution', 'athena:StopQueryExecution']],
    [
      CrawlState.PublishVerdict,
      ['cloudwatch:PutMetricData', 'kms:Decrypt', 'kms:GenerateDataKey', 'sns:Publish'],
    ],
  ] as const)('It should let %s make only its own calls', (task, actions) => {
    // Act / Assess
    expect(actionsOf(task)).toEqual([...actions].sort());
  });

  it('It should confine PutMetricData to the verdict namespace and Publish to the verdict topic', () => {
    // Prepare
    const statements = statementsOf(stack.crawlAndQuery.functions.PublishVerdict.role!);

    // Act
    const put = statements.find((s) => asList(s.Action).includes('cloudwatch:PutMetricData'));
    const publish = statements.find((s) => asList(s.Action).includes('sns:Publish'));

    // Assess
    expect(put?.Condition).toEqual({ StringEquals: { 'cloudwatch:namespace': 'flinkflow/Validation' } });
    expect(publish?.Resource).toEqual({ Ref: id(stack.crawlAndQuery.verdictTopic.node.defaultChild) });
  });

  it('It should encrypt the verdict topic with a rotated key and refuse it over plain HTTP', () => {
    // Prepare
    const topicId = id(stack.crawlAndQuery.verdictTopic.node.defaultChild);

    // Act
    const topic = resources[topicId]!;
    const policies = Object.values(resources).filter((r) => r.Type === 'AWS::SNS::TopicPolicy');

    // Assess
    expect(topic.Properties['KmsMasterKeyId']).toEqual({ 'Fn::GetAtt': [expect.any(String), 'Arn'] });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    const denies = policies.flatMap(
      (p) => (p.Properties['PolicyDocument'] as { Statement: Statement[] }).Statement,
    );
    expect(denies).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
  });

  it('It should keep failed starts in an encrypted, TLS-only queue for 14 days', () => {
    // Prepare
    const queue = resources[id(stack.crawlAndQuery.deadLetterQueue.node.defaultChild)]!;

    // Act
    const policy = Object.values(resources).find((r) => r.Type === 'AWS::SQS::QueuePolicy');

    // Assess
    expect(queue.Properties).toMatchObject({
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
    expect((policy?.Properties['PolicyDocument'] as { Statement: Statement[] }).Statement).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
  });

  it('It should let only Scheduler of this account assume the scheduler role, to start this machine and park failures', () => {
    // Prepare
    const role = stack.crawlAndQuery.schedulerRole;
    const trust = resources[id(role.node.defaultChild)]!.Properties['AssumeRolePolicyDocument'] as {
      Statement: Statement[];
    };

    // Act
    const statements = statementsOf(role);

    // Assess
    expect(trust.Statement).toEqual([
      expect.objectContaining({
        Principal: { Service: 'scheduler.amazonaws.com' },
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      }),
    ]);
    expect(statements).toEqual([
      expect.objectContaining({
        Action: 'states:StartExecution',
        Resource: { Ref: id(stack.crawlAndQuery.stateMachine.stateMachine.node.defaultChild) },
      }),
      expect.objectContaining({
        Action: 'sqs:SendMessage',
        Resource: { 'Fn::GetAtt': [id(stack.crawlAndQuery.deadLetterQueue.node.defaultChild), 'Arn'] },
      }),
    ]);
  });

  it('It should hand CreateValidationSchedule the machine, the scheduler role and the dead-letter queue', () => {
    // Prepare
    const fn = stack.functions[ProvisionState.CreateValidationSchedule];

    // Act
    const variables = (
      resources[id(fn.node.defaultChild)]!.Properties['Environment'] as { Variables: Record<string, unknown> }
    ).Variables;
    const statements = statementsOf(fn.role!);

    // Assess
    expect(variables['CRAWL_STATE_MACHINE_ARN']).toEqual({
      Ref: id(stack.crawlAndQuery.stateMachine.stateMachine.node.defaultChild),
    });
    expect(variables['SCHEDULER_ROLE_ARN']).toEqual({
      'Fn::GetAtt': [id(stack.crawlAndQuery.schedulerRole.node.defaultChild), 'Arn'],
    });
    expect(variables['VALIDATION_DLQ_ARN']).toEqual({
      'Fn::GetAtt': [id(stack.crawlAndQuery.deadLetterQueue.node.defaultChild), 'Arn'],
    });
    const schedules = statements.find((s) => asList(s.Action).includes('scheduler:CreateSchedule'));
    expect(JSON.stringify(schedules?.Resource)).toContain(':schedule/default/*-validation');
  });

  it('It should create the workgroup with the configuration the local deployment uses', () => {
    // Prepare
    const workGroup = resources[id(stack.workGroup)]!;

    // Act
    const configuration = workGroup.Properties['WorkGroupConfiguration'] as Record<string, unknown>;
    const api = validationWorkGroupConfiguration({
      outputLocation: 's3://results/results/',
      bytesScannedCutoffPerQuery: 1024 ** 3,
    });

    // Assess
    expect(configuration).toMatchObject({
      EnforceWorkGroupConfiguration: api.EnforceWorkGroupConfiguration,
      PublishCloudWatchMetricsEnabled: api.PublishCloudWatchMetricsEnabled,
      BytesScannedCutoffPerQuery: api.BytesScannedCutoffPerQuery,
      ResultConfiguration: {
        OutputLocation: expect.objectContaining({ 'Fn::Join': expect.any(Array) }),
        EncryptionConfiguration: {
          EncryptionOption: api.ResultConfiguration.EncryptionConfiguration.EncryptionOption,
        },
      },
    });
  });
});
