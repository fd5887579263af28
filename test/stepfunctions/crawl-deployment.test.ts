import { AthenaClient, CreateWorkGroupCommand, UpdateWorkGroupCommand } from '@aws-sdk/client-athena';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { validationWorkGroupConfiguration } from '../../infra/validation-workgroup';
import { deployCrawlAndQueryLocally } from '../../local/stepfunctions/crawl-deployment';
import { awsError } from '../support/aws-errors';

const athena = mockClient(AthenaClient);
const s3 = mockClient(S3Client);
const sns = mockClient(SNSClient);
const sqs = mockClient(SQSClient);
const clients = {
  athena: new AthenaClient({}),
  s3: new S3Client({}),
  sns: new SNSClient({}),
  sqs: new SQSClient({}),
};
const settings = { account: '000000000000', region: 'us-east-1' };

describe('the local deployment of crawl-and-query', () => {
  beforeEach(() => {
    for (const mock of [athena, s3, sns, sqs]) mock.reset();
    s3.on(CreateBucketCommand).resolves({});
    sns
      .on(CreateTopicCommand)
      .resolves({ TopicArn: 'arn:aws:sns:us-east-1:000000000000:flinkflow-verdicts' });
    sqs
      .on(CreateQueueCommand)
      .resolves({ QueueUrl: 'http://127.0.0.1/000000000000/flinkflow-validation-dlq' });
    sqs.on(GetQueueAttributesCommand).resolves({
      Attributes: { QueueArn: 'arn:aws:sqs:us-east-1:000000000000:flinkflow-validation-dlq' },
    });
  });

  it('It should create the workgroup exactly as the stack configures it, the topic and the queue', async () => {
    // Prepare
    athena.on(CreateWorkGroupCommand).resolves({});

    // Act
    const environment = await deployCrawlAndQueryLocally(clients, settings);

    // Assess
    expect(athena).toHaveReceivedCommandWith(CreateWorkGroupCommand, {
      Name: 'flinkflow',
      Configuration: validationWorkGroupConfiguration({
        outputLocation: 's3://flinkflow-athena-results-000000000000-us-east-1/results/',
        bytesScannedCutoffPerQuery: 1024 ** 3,
      }),
    });
    expect(environment).toEqual({
      ATHENA_WORKGROUP: 'flinkflow',
      VERDICT_TOPIC_ARN: 'arn:aws:sns:us-east-1:000000000000:flinkflow-verdicts',
      CRAWL_STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:000000000000:stateMachine:flinkflow-crawl-and-query',
      SCHEDULER_ROLE_ARN: 'arn:aws:iam::000000000000:role/flinkflow-local-scheduler',
      VALIDATION_DLQ_ARN: 'arn:aws:sqs:us-east-1:000000000000:flinkflow-validation-dlq',
    });
  });

  it('It should bring an existing workgroup to the same configuration', async () => {
    // Prepare
    athena
      .on(CreateWorkGroupCommand)
      .rejects(awsError('InvalidRequestException', { message: 'WorkGroup flinkflow is already created' }));
    athena.on(UpdateWorkGroupCommand).resolves({});

    // Act
    await deployCrawlAndQueryLocally(clients, settings);

    // Assess
    expect(athena).toHaveReceivedCommandWith(UpdateWorkGroupCommand, {
      WorkGroup: 'flinkflow',
      ConfigurationUpdates: expect.objectContaining({
        EnforceWorkGroupConfiguration: true,
        BytesScannedCutoffPerQuery: 1024 ** 3,
      }),
    });
  });

  it('It should pass any other workgroup error through', async () => {
    // Prepare
    athena.on(CreateWorkGroupCommand).rejects(awsError('InternalServerException', { statusCode: 500 }));

    // Act
    const act = deployCrawlAndQueryLocally(clients, settings);

    // Assess
    await expect(act).rejects.toMatchObject({ name: 'InternalServerException' });
  });
});
