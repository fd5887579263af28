/**
 * ValidateInput: checks the provisioning input before anything is created, fills in the defaults and
 * derives every resource name from the pipeline name. Output `{ input, config }` becomes the whole
 * execution state (ResultPath "$"). The rules are the input's schema (workflow/provision-input.ts).
 */
import {
  PipelineNames,
  ProvisionState,
  type DeploymentSettings,
  type ProvisionConfig,
  type ProvisionInput,
} from '../../workflow/contract';
import { resolveProvisionInput } from '../../workflow/provision-input';
import { deploymentSettings } from '../shared/config';
import { InvalidInputError } from '../shared/errors';
import { taskHandler } from '../shared/handler';
import { withTransientErrors } from '../shared/transient';

export interface ValidateInputResult {
  input: ProvisionInput;
  config: ProvisionConfig;
}

export interface ValidateInputDeps {
  settings: () => Promise<DeploymentSettings>;
}

/**
 * Validates `raw` against the provisioning input's schema and resolves it with the deployment settings.
 * Throws InvalidInputError listing every bad field; creates nothing.
 */
export function resolveInput(raw: unknown, settings: DeploymentSettings): ValidateInputResult {
  const resolved = resolveProvisionInput(raw, settings);
  if (!resolved.ok) throw new InvalidInputError(resolved.problems);
  const { pipelineName } = resolved.settings;
  const config: ProvisionConfig = {
    ...resolved.settings,
    region: settings.region,
    account: settings.account,
    streamName: PipelineNames.stream(pipelineName),
    bucketName: PipelineNames.bucket(pipelineName, settings.account, settings.region),
    codeKey: PipelineNames.codeKey,
    outputPrefix: PipelineNames.outputPrefix,
    applicationName: PipelineNames.application(pipelineName),
    crawlerName: PipelineNames.crawler(pipelineName),
    glueDatabase: settings.glueDatabase,
    tablePrefix: PipelineNames.tablePrefix(pipelineName),
    applicationRoleArn: settings.applicationRoleArn,
    crawlerRoleArn: settings.crawlerRoleArn,
    codeAssetBucket: settings.codeAssetBucket,
    codeAssetKey: settings.codeAssetKey,
  };
  return { input: raw as ProvisionInput, config };
}

/** ValidateInput's logic: the raw input in, `{ input, config }` out. */
export const run = withTransientErrors(
  async (event: unknown, deps: Partial<ValidateInputDeps> = {}): Promise<ValidateInputResult> => {
    const settings = await (deps.settings ?? deploymentSettings)();
    return resolveInput(event, settings);
  },
);

export const handler = taskHandler(ProvisionState.ValidateInput, (event: unknown) => run(event));
