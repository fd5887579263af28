/**
 * The local cloud's path from a new code zip to the redeploy machine, built from the same parts as on
 * AWS wherever moto has them. moto's S3 sends a bucket's events to its EventBridge when the bucket has
 * EventBridge notifications on (CreateBucket turns them on), and moto's EventBridge matches them against
 * its rules with its own pattern matcher. A rule's Lambda target is the one part moto cannot run (its
 * Lambda needs Docker), so the local rule, with the stack's pattern, targets an SQS queue in moto, and
 * this loop hands each queued event to the StartRedeploy handler, which starts the redeploy machine on
 * the local Step Functions endpoint, exactly as the function does on AWS. docs/local-cloud.md has the
 * picture.
 */
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { SFNClient } from '@aws-sdk/client-sfn';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { run as startRedeploy, type S3ObjectCreatedEvent } from '../lambdas/start-redeploy';
import type { AwsClients } from '../lambdas/shared/clients';
import { SHA256_METADATA_KEY } from '../lambdas/upload-code';
import { redeployEventPattern } from '../workflow/redeploy-contract';

/** The local rule and queue (on AWS the rule is the stack's, with a generated name, and targets the function). */
export const LocalRedeployRuleName = 'flinkflow-redeploy';
export const LocalRedeployQueueName = 'flinkflow-redeploy-events';
/** A message that fails this many times is dropped, with its error in the log (EventBridge retries a target too). */
export const MaxDeliveryAttempts = 3;

export interface RedeployDeliveryOptions {
  /** moto's endpoint (S3, EventBridge and SQS are all moto's). */
  motoUrl: string;
  statesUrl: string;
  region: string;
  account: string;
  redeployMachineArn: string;
  log: (line: string) => void;
}

export interface RedeployDelivery {
  /** Events handed to StartRedeploy so far (for tests and the benchmark). */
  delivered(): number;
  stop(): Promise<void>;
}

export async function startRedeployDelivery(options: RedeployDeliveryOptions): Promise<RedeployDelivery> {
  const config = {
    endpoint: options.motoUrl,
    region: options.region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  };
  const sqs = new SQSClient(config);
  const eventBridge = new EventBridgeClient(config);
  const sfn = new SFNClient({ ...config, endpoint: options.statesUrl });
  const s3 = new S3Client({ ...config, forcePathStyle: true });

  /**
   * moto gives every S3 event the `reason` "ObjectCreated" (it cuts the notification name
   * `s3:ObjectCreated:Copy` at the wrong colon), where S3 says CopyObject or PutObject, so the rule's
   * `reason` filter cannot keep provisioning's copy out here. The copy is the one code object that carries
   * UploadCode's SHA-256 metadata; the loop leaves it out instead, as the rule does on AWS.
   */
  const isProvisioningCopy = async (event: S3ObjectCreatedEvent): Promise<boolean> => {
    const bucket = event.detail?.bucket?.name;
    const key = event.detail?.object?.key;
    const versionId = event.detail?.object?.['version-id'];
    if (!bucket || !key) return false;
    const head = await s3.send(
      new HeadObjectCommand({ Bucket: bucket, Key: key, ...(versionId ? { VersionId: versionId } : {}) }),
    );
    return head.Metadata?.[SHA256_METADATA_KEY] !== undefined;
  };
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: LocalRedeployQueueName }));
  if (!QueueUrl) throw new Error(`moto did not return a URL for queue ${LocalRedeployQueueName}`);
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  const queueArn = Attributes?.['QueueArn'];
  if (!queueArn) throw new Error(`moto did not return the ARN of queue ${LocalRedeployQueueName}`);
  await eventBridge.send(
    new PutRuleCommand({
      Name: LocalRedeployRuleName,
      EventPattern: JSON.stringify(redeployEventPattern(options.account, options.region)),
      State: 'ENABLED',
      Description:
        'flinkflow (local cloud): a new code zip under a pipeline bucket code prefix starts a re-deploy',
    }),
  );
  await eventBridge.send(
    new PutTargetsCommand({ Rule: LocalRedeployRuleName, Targets: [{ Id: 'queue', Arn: queueArn }] }),
  );

  const env = { REDEPLOY_STATE_MACHINE_ARN: options.redeployMachineArn };
  const clients = { sfn } as AwsClients;
  let delivered = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      let messages;
      try {
        ({ Messages: messages } = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 1,
            MessageSystemAttributeNames: ['ApproximateReceiveCount'],
          }),
        ));
      } catch (error) {
        if (stopped) break;
        options.log(`redeploy delivery: ReceiveMessage failed (${String(error)}); trying again`);
        await new Promise((resolve) => setTimeout(resolve, 1000));
        continue;
      }
      for (const message of messages ?? []) {
        const attempts = Number(message.Attributes?.ApproximateReceiveCount ?? '1');
        try {
          const event = JSON.parse(message.Body ?? 'null') as S3ObjectCreatedEvent;
          if (await isProvisioningCopy(event)) {
            options.log(
              `redeploy delivery: ${event.detail?.object?.key ?? ''} is provisioning's copy, not a re-deploy`,
            );
            await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: message.ReceiptHandle }));
            continue;
          }
          const result = await startRedeploy(event, { clients }, env);
          delivered += 1;
          options.log(
            `redeploy delivery: ${result.input.key} version ${result.input.versionId} -> ${result.started ? 'started' : 'already handled'} ${result.executionName}`,
          );
        } catch (error) {
          options.log(
            `redeploy delivery: attempt ${attempts} failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
          );
          if (attempts < MaxDeliveryAttempts) continue;
          options.log(`redeploy delivery: dropping the event after ${attempts} attempts`);
        }
        await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: message.ReceiptHandle }));
      }
    }
  })();
  return {
    delivered: () => delivered,
    stop: async () => {
      stopped = true;
      await loop.catch(() => undefined);
      for (const client of [sqs, eventBridge, sfn, s3]) client.destroy();
    },
  };
}
