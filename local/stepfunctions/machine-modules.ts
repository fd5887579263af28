/**
 * Each registered state machine's module, by machine name: what an execution worker loads. Only the
 * workers import this file, so the endpoint's own thread never loads the machines' handlers or CDK.
 */
import { ProvisioningStateMachineName, RedeployStateMachineName, type LocalMachineModule } from './machines';
import * as provisioning from './run-provisioning';
import * as redeploy from './run-redeploy';

export const LocalMachineModules: Readonly<Record<string, LocalMachineModule>> = {
  [ProvisioningStateMachineName]: provisioning,
  [RedeployStateMachineName]: redeploy,
};
