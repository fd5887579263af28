import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { AthenaClient } from '@aws-sdk/client-athena';
import { CreateDatabaseCommand, type GlueClient } from '@aws-sdk/client-glue';
import { CreateBucketCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import {
  deployCrawlAndQueryLocally,
  type CrawlDeploymentClients,
} from '../../local/stepfunctions/crawl-deployment';
import { recordLocalDeployment } from '../../local/stepfunctions/deployment';
import { DefaultGlueDatabase, DeploymentVariables } from '../../workflow/contract';
import { EnvironmentError } from '../errors';

/** Where `make flink-zip` puts the deployable zip. */
export const DEFAULT_CODE_ZIP = path.resolve(__dirname, '..', '..', 'flink-app', 'dist', 'flinkflow-app.zip');

export interface LocalDeployment {
  /** The deployment settings the provisioning tasks read (lambdas/shared/config.ts). */
  environment: Record<string, string>;
  codeAssetKey: string;
}

/**
 * Does on the local cloud what `cdk deploy` does on AWS for the provisioning tasks: the Flink code zip
 * as an asset (content-addressed key, as CDK names assets), the Glue database, and role ARNs (the local
 * services do not check IAM, so they only have to be well-formed), and for crawl-and-query the
 * workgroup, the verdict topic and the schedules' dead-letter queue; with the local cloud's `dataDir`, it
 * also records these settings as the task functions' configuration, which the local Step Functions
 * endpoint gives the handlers of the next executions. Idempotent.
 */
export async function deployLocally(
  clients: {
    s3: Pick<S3Client, 'send'>;
    glue: Pick<GlueClient, 'send'>;
    /**
     * The clients of the crawl-and-query resources (workgroup, verdict topic, dead-letter queue;
     * local/stepfunctions/crawl-deployment.ts). Default: made here from the environment, like every
     * client pointed at the local cloud, and closed after the deployment.
     */
    crawl?: Omit<CrawlDeploymentClients, 's3'>;
  },
  settings: { account: string; region: string; dataDir?: string; codeZip?: string; glueDatabase?: string },
  read: (file: string) => Promise<Buffer> = (file) => readFile(file),
): Promise<LocalDeployment> {
  const codeZip = settings.codeZip ?? DEFAULT_CODE_ZIP;
  let zip: Buffer;
  try {
    zip = await read(codeZip);
  } catch (error) {
    throw new EnvironmentError(
      `The Flink code zip ${codeZip} is missing: build it with \`make flink-zip\`.`,
      { cause: error },
    );
  }
  const bucket = `flinkflow-assets-${settings.account}-${settings.region}`;
  const key = `flink/${createHash('sha256').update(zip).digest('hex')}.zip`;
  try {
    await clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (error) {
    if (!['BucketAlreadyOwnedByYou', 'BucketAlreadyExists'].includes((error as Error).name)) throw error;
  }
  await clients.s3.send(
    new PutObjectCommand({ Bucket: bucket, Key: key, Body: zip, ContentType: 'application/zip' }),
  );
  const glueDatabase = settings.glueDatabase ?? DefaultGlueDatabase;
  try {
    await clients.glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: glueDatabase } }));
  } catch (error) {
    if ((error as Error).name !== 'AlreadyExistsException') throw error;
  }
  const environment = {
    [DeploymentVariables.codeAssetBucket]: bucket,
    [DeploymentVariables.codeAssetKey]: key,
    [DeploymentVariables.applicationRoleArn]: `arn:aws:iam::${settings.account}:role/flinkflow-local-application`,
    [DeploymentVariables.crawlerRoleArn]: `arn:aws:iam::${settings.account}:role/flinkflow-local-crawler`,
    [DeploymentVariables.glueDatabase]: glueDatabase,
    [DeploymentVariables.account]: settings.account,
  };
  // What the stack gives the crawl-and-query tasks and CreateValidationSchedule.
  const own = clients.crawl
    ? undefined
    : { athena: new AthenaClient({}), sns: new SNSClient({}), sqs: new SQSClient({}) };
  try {
    const crawl = clients.crawl ?? (own as Omit<CrawlDeploymentClients, 's3'>);
    Object.assign(environment, await deployCrawlAndQueryLocally({ ...crawl, s3: clients.s3 }, settings));
  } finally {
    if (own) for (const client of Object.values(own)) client.destroy();
  }
  if (settings.dataDir !== undefined) await recordLocalDeployment(settings.dataDir, environment);
  return { codeAssetKey: key, environment };
}
