/** The local JSON services' operations: real SDK operations, documented, and enough for the pipeline. */
import * as athenaSdk from '@aws-sdk/client-athena';
import * as glueSdk from '@aws-sdk/client-glue';
import * as flinkSdk from '@aws-sdk/client-kinesis-analytics-v2';
import * as sfnSdk from '@aws-sdk/client-sfn';
import fs from 'node:fs';
import { dispatch } from '../../local/common/aws-json-server';
import {
  ARCHITECTURE_DOC,
  localOperations,
  motoMethodName,
  motoOperations,
  operationsSection,
  pipelineCommands,
  updatedArchitecturePage,
  type ServiceOperations,
} from '../../local/operations';

const SDKS: Record<string, object> = {
  '@aws-sdk/client-athena': athenaSdk,
  '@aws-sdk/client-glue': glueSdk,
  '@aws-sdk/client-kinesis-analytics-v2': flinkSdk,
  '@aws-sdk/client-sfn': sfnSdk,
};

/** prettier pads table cells; the generator does not. */
const withoutTablePadding = (page: string): string =>
  page
    .split('\n')
    .map((line) => (line.startsWith('|') ? line.replace(/ *\| */g, '|').replace(/:?-{3,}:?/g, '---') : line))
    .join('\n');

describe('the local services operations', () => {
  let services: ServiceOperations[];
  beforeAll(async () => {
    services = await localOperations();
  });

  it('It should list the four JSON services, each with operations', () => {
    // Assess
    expect(services.map((s) => s.service)).toEqual(['Glue', 'Athena', 'Managed Flink', 'Step Functions']);
    for (const service of services) expect(service.implemented.length).toBeGreaterThan(0);
  });

  it('It should implement only operations its SDK has', () => {
    // Act
    const strangers = services.flatMap(({ sdkPackage, implemented }) =>
      implemented.filter(
        (op) => typeof (SDKS[sdkPackage] as Record<string, unknown>)[`${op}Command`] !== 'function',
      ),
    );

    // Assess
    expect(strangers).toEqual([]);
  });

  it('It should implement every operation the pipeline sends to these services', () => {
    // Prepare
    const used = pipelineCommands();

    // Act
    const missing = services.flatMap(({ sdkPackage, implemented }) =>
      [...(used.get(sdkPackage) ?? [])]
        .filter((op) => !implemented.includes(op))
        .map((op) => `${sdkPackage} ${op}`),
    );

    // Assess
    expect(used.get('@aws-sdk/client-sfn')).toContain('StartExecution');
    expect(missing).toEqual([]);
  });

  it('It should show the current table in docs/architecture.md (run `tsx local/operations.ts` after changing a provider)', () => {
    // Prepare
    const page = fs.readFileSync(ARCHITECTURE_DOC, 'utf8');

    // Act
    const regenerated = updatedArchitecturePage(
      page,
      operationsSection(services, pipelineCommands(), motoOperations()),
    );

    // Assess
    expect(withoutTablePadding(page)).toEqual(withoutTablePadding(regenerated));
  });

  it('It should answer a real operation no provider implements as an unknown operation', async () => {
    // Prepare
    const provider = { GetDatabase: () => ({}) };

    // Act
    const result = await dispatch({ targetPrefix: 'AWSGlue', provider }, 'AWSGlue.GetJob', '{}');
    const inherited = await dispatch({ targetPrefix: 'AWSGlue', provider }, 'AWSGlue.constructor', '{}');

    // Assess
    expect(result).toMatchObject({ status: 400, errorType: 'UnknownOperationException' });
    expect(inherited).toMatchObject({ status: 400, errorType: 'UnknownOperationException' });
  });
});

describe('the operations of the services moto serves', () => {
  let moto: ServiceOperations[];
  beforeAll(() => {
    moto = motoOperations();
  });

  it('It should name moto handlers as moto does, acronyms included', () => {
    expect(motoMethodName('GetQueueUrl')).toBe('get_queue_url');
    expect(motoMethodName('GetSMSAttributes')).toBe('get_sms_attributes');
    expect(motoMethodName('PutMetricData')).toBe('put_metric_data');
  });

  it('It should find the operations the local cloud relies on in moto', () => {
    // Act
    const byService = Object.fromEntries(moto.map((m) => [m.service, m.implemented]));

    // Assess
    expect(byService['EventBridge Scheduler']).toEqual(
      expect.arrayContaining([
        'CreateSchedule',
        'UpdateSchedule',
        'GetSchedule',
        'DeleteSchedule',
        'ListSchedules',
      ]),
    );
    expect(byService['SQS']).toEqual(
      expect.arrayContaining(['GetQueueUrl', 'SendMessage', 'ReceiveMessage', 'CreateQueue']),
    );
    expect(byService['SNS']).toEqual(expect.arrayContaining(['Publish', 'CreateTopic', 'Subscribe']));
    expect(byService['CloudWatch']).toEqual(expect.arrayContaining(['PutMetricData', 'GetMetricData']));
    expect(byService['EventBridge']).toEqual(expect.arrayContaining(['PutRule', 'PutTargets', 'DeleteRule']));
  });

  it('It should implement every operation the pipeline sends to a moto-served service', () => {
    // Prepare
    const used = pipelineCommands();

    // Act
    const missing = moto.flatMap(({ sdkPackage, implemented }) =>
      [...(used.get(sdkPackage) ?? [])]
        .filter((op) => !implemented.includes(op))
        .map((op) => `${sdkPackage} ${op}`),
    );

    // Assess
    expect(missing).toEqual([]);
  });
});
