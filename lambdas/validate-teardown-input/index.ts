/**
 * ValidateTeardownInput: checks the teardown input, fills in its defaults and derives every name the
 * other tasks delete, from the pipeline name and the deployment (account, region, Glue database), the same
 * way ValidateInput derived them for provisioning. Deletes nothing.
 */
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { DeploymentVariables } from '../../workflow/contract';
import {
  resolveTeardownInput,
  teardownConfig,
  TeardownState,
  type TeardownConfig,
} from '../../workflow/teardown-contract';
import { ConfigurationError, InvalidInputError } from '../shared/errors';
import { taskHandler } from '../shared/handler';
import { resolveDeps, type TaskDeps } from '../shared/runtime';
import { withTransientErrors } from '../shared/transient';

export interface ValidateTeardownInputResult {
  input: unknown;
  config: TeardownConfig;
}

export interface ValidateTeardownInputDeps extends TaskDeps {
  env: NodeJS.ProcessEnv;
}

/** The deployment facts teardown needs: the stack sets GLUE_DATABASE and AWS_ACCOUNT_ID, Lambda AWS_REGION. */
async function deployment(d: ValidateTeardownInputDeps) {
  const region = d.env[DeploymentVariables.region]?.trim();
  const glueDatabase = d.env[DeploymentVariables.glueDatabase]?.trim();
  for (const [name, value] of [
    [DeploymentVariables.region, region],
    [DeploymentVariables.glueDatabase, glueDatabase],
  ] as const) {
    if (!value) {
      throw new ConfigurationError(
        `Environment variable ${name} is not set. The stack (infra/teardown.ts) sets it on every teardown function; when running the tasks yourself, set it first.`,
      );
    }
  }
  const account =
    d.env[DeploymentVariables.account]?.trim() ||
    (await d.clients.sts.send(new GetCallerIdentityCommand({}))).Account;
  if (!account) {
    throw new ConfigurationError(
      `Could not determine the AWS account: set ${DeploymentVariables.account} or allow sts:GetCallerIdentity.`,
    );
  }
  return { account, region: region!, glueDatabase: glueDatabase! };
}

/** ValidateTeardownInput's logic: the raw input in, `{ input, config }` out (the whole state). */
export const run = withTransientErrors(
  async (
    event: unknown,
    deps: Partial<ValidateTeardownInputDeps> = {},
  ): Promise<ValidateTeardownInputResult> => {
    const resolved = resolveTeardownInput(event);
    if (!resolved.ok) {
      const error = new InvalidInputError(resolved.problems);
      error.message = error.message.replace('Invalid provisioning input', 'Invalid teardown input');
      throw error;
    }
    const d = { env: process.env, ...resolveDeps(deps), ...deps };
    return { input: event, config: teardownConfig(resolved.settings, await deployment(d)) };
  },
);

export const handler = taskHandler(TeardownState.ValidateTeardownInput, (event: unknown) => run(event));
