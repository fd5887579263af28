/**
 * ValidateRedeploy: checks the execution input (which pipeline, which code object version), reads the
 * application it updates and resolves the configuration every later state uses: what runs now (the
 * rollback target), the run options and runtime the pre-flight checks against, the health gate's settle
 * period. An application that already runs this object version (a repeated event) is marked
 * `alreadyDeployed` and the machine ends without touching it.
 */
import { healthSettleDefault } from '../../workflow/provision-input';
import { PipelineNames } from '../../workflow/contract';
import {
  RedeployState,
  redeploySnapshotName,
  resolveRedeployInput,
  type RedeployConfig,
  type RedeployExecutionState,
  type RedeployInput,
} from '../../workflow/redeploy-contract';
import { describeApplication } from '../shared/application-status';
import { isAwsError } from '../shared/aws';
import { InvalidInputError, ResourceConflictError } from '../shared/errors';
import { taskHandler } from '../shared/handler';
import { ApplicationNotRunningError } from '../shared/redeploy-errors';
import { accountAndRegion, codeLocationOf, runOptionsOf, windowSecondsOf } from '../shared/redeploy-state';
import { resolveDeps, type TaskDeps } from '../shared/runtime';
import { withTransientErrors } from '../shared/transient';

export type ValidateRedeployResult = Pick<RedeployExecutionState, 'input' | 'config'>;

export const run = withTransientErrors(
  async (
    raw: unknown,
    deps: Partial<TaskDeps> = {},
    env: NodeJS.ProcessEnv = process.env,
  ): Promise<ValidateRedeployResult> => {
    const resolved = resolveRedeployInput(raw);
    if (!resolved.ok) throw new InvalidInputError(resolved.problems);
    const input = resolved.settings;
    const { account, region } = accountAndRegion(env);
    const expectedBucket = PipelineNames.bucket(input.pipelineName, account, region);
    if (input.bucketName !== expectedBucket) {
      throw new InvalidInputError([
        {
          field: 'bucketName',
          message: `"${input.bucketName}" is not the bucket of pipeline ${input.pipelineName} in ${account}/${region}; its code goes to ${expectedBucket}`,
        },
      ]);
    }
    const d = resolveDeps(deps);
    const applicationName = PipelineNames.application(input.pipelineName);
    let detail;
    try {
      detail = await describeApplication(d, applicationName);
    } catch (error) {
      if (!isAwsError(error, 'ResourceNotFoundException')) throw error;
      throw new ApplicationNotRunningError(
        `Application ${applicationName} does not exist, so there is nothing to re-deploy; provision pipeline ${input.pipelineName} first (flinkflow provision)`,
        { cause: error },
      );
    }
    const status = detail.ApplicationStatus ?? 'UNKNOWN';
    const code = codeLocationOf(detail);
    const versionId = detail.ApplicationVersionId ?? 0;
    const alreadyDeployed = code?.fileKey === input.key && code.objectVersion === input.versionId;
    if (!alreadyDeployed && status !== 'RUNNING') {
      throw new ApplicationNotRunningError(
        `Application ${applicationName} is ${status}, not RUNNING: a re-deploy updates a running job from a snapshot of it. ` +
          (status === 'READY'
            ? 'Start it (flinkflow provision) and upload the zip again.'
            : 'Wait until the operation in progress ends, then upload the zip again.'),
      );
    }
    if (code?.bucketArn !== undefined && !code.bucketArn.endsWith(`:::${input.bucketName}`)) {
      throw new ResourceConflictError(
        `Application ${applicationName} runs code from ${code.bucketArn}, not from the pipeline's bucket ${input.bucketName}; it was not made by flinkflow provision and is left alone`,
      );
    }
    const runtime = detail.RuntimeEnvironment ?? 'UNKNOWN';
    const window = windowSecondsOf(detail) ?? 60;
    const config: RedeployConfig = {
      pipelineName: input.pipelineName,
      region,
      account,
      applicationName,
      bucketName: input.bucketName,
      key: input.key,
      versionId: input.versionId,
      snapshotName: redeploySnapshotName(input),
      runtime,
      runOptions: runOptionsOf(detail),
      healthSettleSeconds: input.healthSettleSeconds ?? healthSettleDefault(window),
      startTimeoutSeconds: input.startTimeoutSeconds,
      canary: input.canary,
      alreadyDeployed,
      previous: {
        applicationVersionId: versionId,
        applicationStatus: status,
        ...(code?.fileKey ? { fileKey: code.fileKey } : {}),
        ...(code?.objectVersion ? { objectVersion: code.objectVersion } : {}),
      },
    };
    return { input: raw as RedeployInput, config };
  },
);

export const handler = taskHandler(RedeployState.ValidateRedeploy, (event: unknown) => run(event));
