/**
 * StartRedeploy: the target of the redeploy rule. EventBridge cannot name the Step Functions execution
 * it starts (a rule's Step Functions target takes only the input), so the rule invokes this function,
 * which starts the redeploy machine with a name derived from the object's bucket, key and version
 * (redeployExecutionName) and an input made of those fields only. StartExecution is idempotent on the
 * name: the same name and input while the execution is open returns that execution, and a name whose
 * execution has closed fails with ExecutionAlreadyExists (StartExecution API reference). A duplicated or
 * replayed event therefore starts nothing new; the function reports it as already handled.
 */
import { ExecutionAlreadyExists, StartExecutionCommand } from '@aws-sdk/client-sfn';
import {
  CodePrefix,
  pipelineOfBucketName,
  redeployExecutionName,
  RedeployMachineVariable,
  StartRedeployTask,
  type RedeployInput,
} from '../../workflow/redeploy-contract';
import { ConfigurationError, InvalidInputError } from '../shared/errors';
import { taskHandler } from '../shared/handler';
import { logger } from '../shared/logger';
import { resolveDeps, type TaskDeps } from '../shared/runtime';
import { withTransientErrors } from '../shared/transient';

export { RedeployMachineVariable };

/** The part of S3's "Object Created" EventBridge event the function reads (S3 user guide, "EventBridge event message structure"). */
export interface S3ObjectCreatedEvent {
  source?: string;
  'detail-type'?: string;
  detail?: { bucket?: { name?: string }; object?: { key?: string; 'version-id'?: string } };
}

export interface StartRedeployResult {
  executionName: string;
  executionArn: string;
  /** False when an execution of this name had already closed: the event was handled before. */
  started: boolean;
  input: RedeployInput;
}

/** The redeploy input of an S3 event, or InvalidInputError naming what the event lacks. */
export function redeployInputOf(event: S3ObjectCreatedEvent): RedeployInput {
  const problems: { field: string; message: string }[] = [];
  if (event.source !== 'aws.s3' || event['detail-type'] !== 'Object Created') {
    problems.push({
      field: 'detail-type',
      message: `expected an S3 "Object Created" event (source aws.s3), got source ${String(event.source)} and detail-type ${String(event['detail-type'])}; check the rule's pattern`,
    });
  }
  const bucketName = event.detail?.bucket?.name ?? '';
  const key = event.detail?.object?.key ?? '';
  const versionId = event.detail?.object?.['version-id'] ?? '';
  const pipelineName = pipelineOfBucketName(bucketName);
  if (!pipelineName) {
    problems.push({
      field: 'detail.bucket.name',
      message: `"${bucketName}" is not a flinkflow pipeline bucket (flinkflow-<pipeline>-<account>-<region>)`,
    });
  }
  if (!key.startsWith(CodePrefix)) {
    problems.push({
      field: 'detail.object.key',
      message: `"${key}" is not under the code prefix ${CodePrefix}`,
    });
  }
  if (!versionId || versionId === 'null') {
    problems.push({
      field: 'detail.object.version-id',
      message:
        'is missing: the bucket is not versioned, so the upload cannot be pinned; turn versioning on (CreateBucket does) and upload again',
    });
  }
  if (problems.length > 0) throw new InvalidInputError(problems);
  return { pipelineName: pipelineName as string, bucketName, key, versionId };
}

export const run = withTransientErrors(
  async (
    event: S3ObjectCreatedEvent,
    deps: Partial<TaskDeps> = {},
    env: NodeJS.ProcessEnv = process.env,
  ): Promise<StartRedeployResult> => {
    const stateMachineArn = env[RedeployMachineVariable]?.trim();
    if (!stateMachineArn) {
      throw new ConfigurationError(
        `Environment variable ${RedeployMachineVariable} is not set; infra/redeploy.ts sets it to the redeploy machine's ARN`,
      );
    }
    const input = redeployInputOf(event);
    const executionName = redeployExecutionName(input);
    const executionArn = `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${executionName}`;
    const d = resolveDeps(deps);
    try {
      const out = await d.clients.sfn.send(
        new StartExecutionCommand({ stateMachineArn, name: executionName, input: JSON.stringify(input) }),
      );
      logger.info('redeploy started', { executionName, versionId: input.versionId });
      return { executionName, executionArn: out.executionArn ?? executionArn, started: true, input };
    } catch (error) {
      if (
        !(error instanceof ExecutionAlreadyExists) &&
        !(error instanceof Error && error.name === 'ExecutionAlreadyExists')
      )
        throw error;
      logger.info('this object version was handled already; nothing started', { executionName });
      return { executionName, executionArn, started: false, input };
    }
  },
);

export const handler = taskHandler(StartRedeployTask, (event: S3ObjectCreatedEvent) => run(event));
