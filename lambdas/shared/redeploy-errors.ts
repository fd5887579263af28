/**
 * The errors only the redeploy tasks throw; each `name` is a RedeployErrorName of
 * workflow/redeploy-contract.ts, which the machine's Catch and the CLI match on.
 */
import { RedeployErrorName } from '../../workflow/redeploy-contract';

/** The application is not RUNNING: there is no running job to update. */
export class ApplicationNotRunningError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = RedeployErrorName.ApplicationNotRunning;
  }
}

/** The snapshot before the update failed; the application was not changed. */
export class SnapshotFailedError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = RedeployErrorName.SnapshotFailed;
  }
}

/** The rollback after a failed update failed too. */
export class RollbackFailedError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = RedeployErrorName.RollbackFailed;
  }
}
