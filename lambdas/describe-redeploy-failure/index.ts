/**
 * DescribeRedeployFailure: the last stop of every failed re-deploy. It turns what went wrong into a
 * RedeployFailure that says which step failed, why, whether the application was rolled back, and which
 * version runs now (read from the application itself), and returns the Fail state's error and cause.
 * It never fails because the application cannot be read: it says so in the summary instead.
 */
import { ErrorName } from '../../workflow/contract';
import {
  RedeployErrorName,
  RedeployState,
  type RedeployExecutionState,
  type RedeployFailure,
} from '../../workflow/redeploy-contract';
import { describeApplication } from '../shared/application-status';
import { taskHandler } from '../shared/handler';
import { codeLocationOf } from '../shared/redeploy-state';
import { resolveDeps, type TaskDeps } from '../shared/runtime';
import { readableCause } from '../shared/lambda-cause';

/** The Fail state's ErrorPath and CausePath read these; the cause is the RedeployFailure as JSON. */
export interface DescribeRedeployFailureResult {
  Error: string;
  Cause: string;
}

type FailureState = Omit<Partial<RedeployExecutionState>, 'input'> & { input?: unknown };

function inputField(input: unknown, field: string): string | undefined {
  const value = (input as Record<string, unknown> | null)?.[field];
  return typeof value === 'string' ? value : undefined;
}

export async function describeRedeployFailure(
  event: FailureState,
  deps: Partial<TaskDeps> = {},
): Promise<{ failure: RedeployFailure; errorName: string }> {
  const d = resolveDeps(deps);
  const { config, why, rollback } = event;
  const pipelineName = config?.pipelineName ?? inputField(event.input, 'pipelineName') ?? 'unknown';
  const attemptedObjectVersion = config?.versionId ?? inputField(event.input, 'versionId') ?? 'unknown';
  const failedStep = why?.failedStep ?? 'unknown';
  const reason = readableCause(why?.cause);
  // The rollback path's tasks write their own caught error to $.rollbackError.
  const rollbackError = event.rollbackError;
  const rolledBack = rollback?.phase === 'DONE' && rollback.kind !== 'not-needed';

  let running: RedeployFailure['running'];
  let runningNote = '';
  if (config) {
    try {
      const detail = await describeApplication(d, config.applicationName);
      const code = codeLocationOf(detail);
      running = {
        applicationVersionId: detail.ApplicationVersionId ?? 0,
        applicationStatus: detail.ApplicationStatus ?? 'UNKNOWN',
        ...(code?.objectVersion ? { objectVersion: code.objectVersion } : {}),
      };
    } catch (lookup) {
      runningNote = ` (the application could not be read: ${lookup instanceof Error ? lookup.name : 'lookup failed'})`;
    }
  }
  const now = running
    ? `application ${config?.applicationName} version ${running.applicationVersionId} is ${running.applicationStatus} on code version ${running.objectVersion ?? 'unknown'}`
    : `what runs now is unknown${runningNote}`;
  let errorName = why?.error ?? ErrorName.InvalidInput;
  let summary: string;
  if (rollbackError) {
    errorName = RedeployErrorName.RollbackFailed;
    summary = `The re-deploy of code version ${attemptedObjectVersion} failed at ${failedStep} (${reason}) and the rollback failed too: ${readableCause(rollbackError.Cause)}. Now ${now}.`;
  } else if (rolledBack) {
    errorName = RedeployErrorName.RedeployRolledBack;
    summary = `The re-deploy of code version ${attemptedObjectVersion} failed at ${failedStep} (${reason}); ${rollback.kind === 'system' ? 'the service rolled the application back' : 'the application was rolled back'} and ${now}.`;
  } else if (rollback?.kind === 'not-needed') {
    summary = `The re-deploy of code version ${attemptedObjectVersion} failed at ${failedStep} before the update took effect (${reason}); nothing was rolled back and ${now}.`;
  } else {
    summary = `The re-deploy of code version ${attemptedObjectVersion} failed at ${failedStep} before the application was changed (${reason}); ${now}.`;
  }
  const failure: RedeployFailure = {
    pipelineName,
    failedStep,
    error: why?.error ?? 'unknown',
    reason,
    attemptedObjectVersion,
    rolledBack,
    ...(rollback ? { rollbackKind: rollback.kind } : {}),
    ...(running ? { running } : {}),
    ...(config && event.snapshot ? { snapshotName: config.snapshotName } : {}),
    summary,
  };
  return { failure, errorName };
}

export const run = async (
  event: FailureState,
  deps: Partial<TaskDeps> = {},
): Promise<DescribeRedeployFailureResult> => {
  const { failure, errorName } = await describeRedeployFailure(event, deps);
  // Serialised here, not with States.JsonToString: a Fail state's CausePath must select a string.
  return { Error: errorName, Cause: JSON.stringify(failure) };
};

export const handler = taskHandler(RedeployState.DescribeRedeployFailure, (event: FailureState) =>
  run(event),
);
