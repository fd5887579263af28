/**
 * Synthesizes the orchestrator stack for the infra tests: offline, with a small fixture zip in place of the
 * Flink code (the real one needs `make flink-zip`), and cdk-nag's AwsSolutions checks on the app.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { OrchestratorStack, type OrchestratorStackProps } from '../../infra/orchestrator-stack';

/** The smallest valid zip: an empty archive's end-of-central-directory record. */
const EMPTY_ZIP = Buffer.from([0x50, 0x4b, 0x05, 0x06, ...new Array<number>(18).fill(0)]);

/** Writes a fixture code zip into a fresh temporary folder and returns its path. */
export function fixtureCodeZip(): string {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'flinkflow-infra-'));
  const zipPath = path.join(folder, 'flinkflow-app.zip');
  fs.writeFileSync(zipPath, EMPTY_ZIP);
  return zipPath;
}

export interface SynthOptions {
  /** Run esbuild for every function (slower); otherwise CDK skips bundling, as `cdk synth --exclusively` does. */
  bundle?: boolean;
  props?: OrchestratorStackProps;
}

/** A fresh app with the orchestrator stack and the AwsSolutions checks registered (not yet synthesized). */
export function orchestratorApp(options: SynthOptions = {}): { app: App; stack: OrchestratorStack } {
  const app = new App({
    outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'flinkflow-cdk-out-')),
    context: { 'aws:cdk:bundling-stacks': options.bundle ? ['**'] : [] },
  });
  const stack = new OrchestratorStack(app, 'FlinkflowOrchestrator', {
    flinkCodeZipPath: fixtureCodeZip(),
    ...options.props,
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}
