/**
 * Each registered state machine's module, by machine name: what an execution worker loads. Only the
 * workers import this file, so the endpoint's own thread never loads the machines' handlers or CDK.
 */
import * as crawlAndQuery from './run-crawl-and-query';
import {
  CrawlAndQueryStateMachineName,
  ProvisioningStateMachineName,
  RedeployStateMachineName,
  TeardownStateMachineName,
  type LocalMachineModule,
} from './machines';
import * as provisioning from './run-provisioning';
import * as redeploy from './run-redeploy';
import * as teardown from './run-teardown';

export const LocalMachineModules: Readonly<Record<string, LocalMachineModule>> = {
  [ProvisioningStateMachineName]: provisioning,
  [CrawlAndQueryStateMachineName]: crawlAndQuery,
  [TeardownStateMachineName]: teardown,
  [RedeployStateMachineName]: redeploy,
};
