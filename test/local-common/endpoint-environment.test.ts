/** The SDK environment the local cloud hands to handlers and the CLI. */
import { endpointEnvironment, type LocalEndpoints } from '../../local/services';

const endpoints: LocalEndpoints = {
  kinesis: 'http://127.0.0.1:1001',
  s3: 'http://127.0.0.1:1002',
  cloudwatch: 'http://127.0.0.1:1002',
  logs: 'http://127.0.0.1:1002',
  sts: 'http://127.0.0.1:1002',
  kinesisanalyticsv2: 'http://127.0.0.1:1003',
  glue: 'http://127.0.0.1:1004',
  athena: 'http://127.0.0.1:1005',
  states: 'http://127.0.0.1:1006',
  sns: 'http://127.0.0.1:1002',
  sqs: 'http://127.0.0.1:1002',
  events: 'http://127.0.0.1:1002',
  scheduler: 'http://127.0.0.1:1007',
};

describe('the local SDK environment', () => {
  it('It should name SNS, SQS, Scheduler and EventBridge by the SDK service ids', () => {
    // Act
    const environment = endpointEnvironment(endpoints, 'us-east-1', 'http://127.0.0.1:4588');

    // Assess
    expect(environment).toMatchObject({
      AWS_ENDPOINT_URL: 'http://127.0.0.1:4588',
      AWS_ENDPOINT_URL_SNS: endpoints.sns,
      AWS_ENDPOINT_URL_SQS: endpoints.sqs,
      AWS_ENDPOINT_URL_SCHEDULER: endpoints.scheduler,
      AWS_ENDPOINT_URL_EVENTBRIDGE: endpoints.events,
    });
  });

  it('It should leave out the services a state file of an older local cloud does not name', () => {
    // Prepare
    const older: Partial<LocalEndpoints> = { ...endpoints };
    for (const newer of ['sns', 'sqs', 'events', 'scheduler'] as const) delete older[newer];

    // Act
    const environment = endpointEnvironment(older as LocalEndpoints, 'us-east-1', 'http://127.0.0.1:4588');

    // Assess: those clients then reach the edge through AWS_ENDPOINT_URL.
    expect(Object.keys(environment)).not.toContain('AWS_ENDPOINT_URL_SNS');
    expect(Object.values(environment)).not.toContain(undefined);
    expect(environment['AWS_ENDPOINT_URL_SFN']).toBe(endpoints.states);
  });
});
