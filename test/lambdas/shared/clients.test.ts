import { NodeHttpHandler } from '@smithy/node-http-handler';
import { awsClients, createAwsClients } from '../../../lambdas/shared/clients';

describe('The AWS client factory', () => {
  it('It should address S3 path-style when an S3 endpoint is configured (local servers)', async () => {
    // Act
    const local = createAwsClients({ AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:4569', AWS_REGION: 'eu-west-1' });
    const aws = createAwsClients({ AWS_REGION: 'eu-west-1' });

    const edge = createAwsClients({ AWS_ENDPOINT_URL: 'http://127.0.0.1:4566', AWS_REGION: 'eu-west-1' });

    // Assess
    expect(local.s3.config.forcePathStyle).toBe(true);
    expect(edge.s3.config.forcePathStyle).toBe(true);
    expect(aws.s3.config.forcePathStyle).toBe(false);
  });

  it('It should talk HTTP/1.1 to Kinesis, which local Kinesis servers require', async () => {
    // Act
    const clients = createAwsClients({});

    // Assess
    expect(clients.kinesis.config.requestHandler).toBeInstanceOf(NodeHttpHandler);
  });

  it('It should use adaptive retries on every client', async () => {
    // Act
    const clients = createAwsClients({});
    const modes = await Promise.all(Object.values(clients).map((client) => client.config.retryStrategy()));

    // Assess
    expect(modes.map((strategy) => strategy.mode)).toEqual(Array(11).fill('adaptive'));
  });

  it('It should hand out the same clients to every caller', () => {
    // Act
    const first = awsClients();
    const second = awsClients();

    // Assess
    expect(second).toBe(first);
  });
});
