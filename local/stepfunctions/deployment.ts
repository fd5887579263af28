/**
 * The local stand-in for what `cdk deploy` configures on the task functions: the deployment settings
 * (code asset, roles, Glue database, account) the handlers read from their environment. The CLI records
 * them when it deploys the code asset and catalog to the local cloud; the Step Functions endpoint reads
 * them at each StartExecution, as Lambda applies a function's configuration to its next invocation.
 * They live in the data folder, kept across `local down`/`up` with the objects they point at (`up --fresh` deletes both).
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

export const deploymentFile = (dataDir: string) => path.join(dataDir, 'stepfunctions', 'deployment.json');

/** Records the deployment settings (CODE_ASSET_BUCKET, CODE_ASSET_KEY, ...) for the next executions. */
export async function recordLocalDeployment(
  dataDir: string,
  settings: Record<string, string>,
): Promise<void> {
  const file = deploymentFile(dataDir);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(`${file}.tmp`, `${JSON.stringify(settings, null, 2)}\n`);
  await rename(`${file}.tmp`, file);
}

/** The recorded deployment settings; undefined when nothing was deployed to this local cloud yet. */
export async function readLocalDeployment(dataDir: string): Promise<Record<string, string> | undefined> {
  let text: string;
  try {
    text = await readFile(deploymentFile(dataDir), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return JSON.parse(text) as Record<string, string>;
}
