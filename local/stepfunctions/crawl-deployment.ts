/**
 * Does on the local cloud what `cdk deploy` does on AWS for the crawl-and-query machine: the Athena
 * workgroup with the stack's very configuration (infra/validation-workgroup.ts) and its results bucket,
 * the verdict topic, the validation schedules' dead-letter queue, and the settings the crawl-and-query
 * tasks and CreateValidationSchedule read. Idempotent. Role ARNs only have to be well-formed: the local
 * services do not check IAM.
 */
import { CreateWorkGroupCommand, UpdateWorkGroupCommand, type AthenaClient } from '@aws-sdk/client-athena';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { CreateTopicCommand, type SNSClient } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import {
  DefaultBytesScannedCutoffPerQuery,
  DefaultValidationWorkGroup,
  validationWorkGroupConfiguration,
} from '../../infra/validation-workgroup';
import { CrawlDeploymentVariables, ValidationScheduleVariables } from '../../workflow/crawl-contract';
import { CrawlAndQueryStateMachineName, stateMachineArn } from './machines';

export interface CrawlDeploymentClients {
  athena: Pick<AthenaClient, 'send'>;
  s3: Pick<S3Client, 'send'>;
  sns: Pick<SNSClient, 'send'>;
  sqs: Pick<SQSClient, 'send'>;
}

/** The local names of what the stack makes (on AWS, CloudFormation names the topic and the queue). */
export const LocalCrawlResources = {
  resultsBucket: (account: string, region: string) => `flinkflow-athena-results-${account}-${region}`,
  topic: 'flinkflow-verdicts',
  deadLetterQueue: 'flinkflow-validation-dlq',
  schedulerRole: (account: string) => `arn:aws:iam::${account}:role/flinkflow-local-scheduler`,
} as const;

/** Creates (or brings up to date) the crawl-and-query resources; returns the settings to record. */
export async function deployCrawlAndQueryLocally(
  clients: CrawlDeploymentClients,
  settings: { account: string; region: string },
): Promise<Record<string, string>> {
  const bucket = LocalCrawlResources.resultsBucket(settings.account, settings.region);
  try {
    await clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (error) {
    if (!['BucketAlreadyOwnedByYou', 'BucketAlreadyExists'].includes((error as Error).name)) throw error;
  }
  const configuration = validationWorkGroupConfiguration({
    outputLocation: `s3://${bucket}/results/`,
    bytesScannedCutoffPerQuery: DefaultBytesScannedCutoffPerQuery,
  });
  try {
    await clients.athena.send(
      new CreateWorkGroupCommand({
        Name: DefaultValidationWorkGroup,
        Description: 'flinkflow validation queries over the pipelines Glue tables',
        Configuration: configuration,
      }),
    );
  } catch (error) {
    // Athena answers InvalidRequestException "WorkGroup ... is already created" for an existing one.
    if (!(error instanceof Error && /already created/i.test(error.message))) throw error;
    await clients.athena.send(
      new UpdateWorkGroupCommand({
        WorkGroup: DefaultValidationWorkGroup,
        State: 'ENABLED',
        ConfigurationUpdates: {
          EnforceWorkGroupConfiguration: configuration.EnforceWorkGroupConfiguration,
          PublishCloudWatchMetricsEnabled: configuration.PublishCloudWatchMetricsEnabled,
          BytesScannedCutoffPerQuery: configuration.BytesScannedCutoffPerQuery,
          ResultConfigurationUpdates: configuration.ResultConfiguration,
        },
      }),
    );
  }
  // CreateTopic and CreateQueue return the existing one when the name and attributes match.
  const topic = await clients.sns.send(new CreateTopicCommand({ Name: LocalCrawlResources.topic }));
  const queue = await clients.sqs.send(
    new CreateQueueCommand({ QueueName: LocalCrawlResources.deadLetterQueue }),
  );
  const attributes = await clients.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queue.QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  const topicArn = topic.TopicArn;
  const queueArn = attributes.Attributes?.['QueueArn'];
  if (!topicArn || !queueArn) {
    throw new Error(
      `The local cloud returned no ARN for the verdict topic (${String(topicArn)}) or the dead-letter queue (${String(queueArn)}); check its SNS and SQS endpoints.`,
    );
  }
  return {
    [CrawlDeploymentVariables.athenaWorkGroup]: DefaultValidationWorkGroup,
    [CrawlDeploymentVariables.verdictTopicArn]: topicArn,
    [ValidationScheduleVariables.crawlStateMachineArn]: stateMachineArn(
      settings.region,
      settings.account,
      CrawlAndQueryStateMachineName,
    ),
    [ValidationScheduleVariables.schedulerRoleArn]: LocalCrawlResources.schedulerRole(settings.account),
    [ValidationScheduleVariables.deadLetterQueueArn]: queueArn,
  };
}
