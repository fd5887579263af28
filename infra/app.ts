/**
 * The CDK app (`cdk synth`, `cdk deploy`; cdk.json runs this file with tsx). It synthesizes offline: no
 * credentials, no Docker (functions are bundled by esbuild from node_modules). cdk-nag's AwsSolutions
 * checks run on every synth, so a finding without an acknowledgement stops it.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { OrchestratorStack } from './orchestrator-stack';

const app = new App();
new OrchestratorStack(app, 'FlinkflowOrchestrator', {
  description:
    'flinkflow orchestrator: provisioning state machine, task functions, roles, Glue database, Athena workgroup',
  // Account and region come from the CLI's environment at deploy time (environment-agnostic synth).
  ...(process.env['FLINKFLOW_CODE_ZIP'] ? { flinkCodeZipPath: process.env['FLINKFLOW_CODE_ZIP'] } : {}),
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
