/**
 * The pre-flight check of a code zip, in the task's own language: the same rules as flink-app's
 * `python -m flinkflow_app.preflight` (docs/flink-app.md) that a Lambda can run without Python or a JVM.
 * It checks the layout the run options name, that the jar's Flink connectors were built for the
 * application's runtime, and that the jar registers the `kinesis` table source and the Parquet format.
 * Two checks stay with the Python tool, which `make flink-zip` runs before any upload: compiling
 * main.py, and reading each Kinesis option out of the connector's class constants.
 */
import { FlinkAppFiles } from './flink-app';
import { openZip, ZipFormatError, type ZipArchive } from './zip-reader';

/** The runtimes the job is packaged for, as flink-app/flinkflow_app/runtimes.py lists them. */
export const RuntimeFlinkVersions: Readonly<
  Record<string, { flinkVersion: string; connectorFlinkVersions: readonly string[] }>
> = {
  'FLINK-1_20': { flinkVersion: '1.20', connectorFlinkVersions: ['1.20', '1.19'] },
};

/** Written by flink-app/pom.xml into the jar: the Flink artifacts it bundles and their versions. */
export const ArtifactsFile = 'META-INF/flinkflow/flink-artifacts.properties';
export const FactoryServicesFile = 'META-INF/services/org.apache.flink.table.factories.Factory';

const CONNECTOR_VERSION = /^\d+\.\d+\.\d+-(\d+\.\d+)$/;
const FLINK_VERSION = /^(\d+\.\d+)\.\d+$/;

export interface PreflightReport {
  passed: string[];
  problems: string[];
}

export interface RunOptions {
  python: string;
  jarfile: string;
}

function properties(text: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('#') || !trimmed.includes('=')) continue;
    const at = trimmed.indexOf('=');
    map.set(trimmed.slice(0, at).trim(), trimmed.slice(at + 1).trim());
  }
  return map;
}

function checkVersions(jar: ZipArchive, runtime: string, report: PreflightReport): void {
  const versions = RuntimeFlinkVersions[runtime];
  if (!versions) {
    report.problems.push(
      `the application runs ${runtime}, for which the job is not packaged; use one of: ${Object.keys(RuntimeFlinkVersions).join(', ')}`,
    );
    return;
  }
  if (!jar.entries.has(ArtifactsFile)) {
    report.problems.push(`the jar has no ${ArtifactsFile}; build it with \`make flink-jar\``);
    return;
  }
  const artifacts = properties(jar.read(ArtifactsFile).toString('utf8'));
  const connectors = [...artifacts].filter(([, version]) => CONNECTOR_VERSION.test(version));
  if (!connectors.some(([artifact]) => artifact.includes('kinesis'))) {
    report.problems.push(
      `the jar declares no Flink Kinesis connector in ${ArtifactsFile}; build it with \`make flink-jar\``,
    );
  }
  for (const [artifact, version] of connectors) {
    const builtFor = CONNECTOR_VERSION.exec(version)?.[1] ?? '';
    if (versions.connectorFlinkVersions.includes(builtFor)) {
      report.passed.push(`${artifact} ${version} is built for Flink ${builtFor}, which ${runtime} accepts`);
    } else {
      report.problems.push(
        `${artifact} ${version} is built for Flink ${builtFor}, but ${runtime} runs Flink ${versions.flinkVersion}; ` +
          `use a build ending in ${versions.connectorFlinkVersions.map((v) => `-${v}`).join(' or ')}`,
      );
    }
  }
  for (const [artifact, version] of artifacts) {
    const flink = FLINK_VERSION.exec(version)?.[1];
    if (flink === undefined || CONNECTOR_VERSION.test(version)) continue;
    if (flink !== versions.flinkVersion) {
      report.problems.push(
        `${artifact} ${version} is from Flink ${flink}, but ${runtime} runs Flink ${versions.flinkVersion}; use ${artifact} ${versions.flinkVersion}.x`,
      );
    }
  }
}

function checkFactories(jar: ZipArchive, report: PreflightReport): void {
  const factories = jar.entries.has(FactoryServicesFile)
    ? jar
        .read(FactoryServicesFile)
        .toString('utf8')
        .split(/\r?\n/)
        .map((line) => line.trim())
        .filter((line) => line && !line.startsWith('#'))
    : [];
  const kinesis = factories.find((f) => /kinesis/i.test(f) && !/Sink/.test(f));
  if (kinesis) report.passed.push(`connector 'kinesis' is provided by ${kinesis}`);
  else {
    report.problems.push(
      `the jar registers no Kinesis table source factory in ${FactoryServicesFile}; bundle flink-connector-kinesis ` +
        'and merge service files (maven-shade ServicesResourceTransformer)',
    );
  }
  if (factories.some((f) => /parquet/i.test(f))) report.passed.push("format 'parquet' is provided");
  else report.problems.push("the jar registers no 'parquet' format factory; bundle flink-parquet");
}

/** Runs every check on the zip's bytes; never throws for a bad zip, reports it. */
export function checkCodeZip(
  zip: Buffer,
  runtime: string,
  runOptions: RunOptions = FlinkAppFiles,
): PreflightReport {
  const report: PreflightReport = { passed: [], problems: [] };
  let archive: ZipArchive;
  try {
    archive = openZip(zip);
  } catch (error) {
    if (!(error instanceof ZipFormatError)) throw error;
    report.problems.push(
      `the code is not a valid zip file (${error.message}); rebuild it with \`make flink-zip\``,
    );
    return report;
  }
  const names = [...archive.entries.keys()];
  if (!archive.entries.has(runOptions.python)) {
    report.problems.push(
      `the run option python names '${runOptions.python}', which is not in the zip (it holds: ${names.sort().slice(0, 8).join(', ')}); put the job's entry point there`,
    );
  } else if (archive.entries.get(runOptions.python)?.size === 0) {
    report.problems.push(`${runOptions.python} is empty; put the job's entry point there`);
  } else {
    report.passed.push(`${runOptions.python} is in the zip`);
  }
  if (!archive.entries.has(runOptions.jarfile)) {
    report.problems.push(
      `the run option jarfile names '${runOptions.jarfile}', which is not in the zip; package the shaded jar there (\`make flink-zip\`)`,
    );
    return report;
  }
  report.passed.push(`${runOptions.jarfile} is in the zip`);
  let jar: ZipArchive;
  try {
    jar = openZip(archive.read(runOptions.jarfile));
  } catch (error) {
    if (!(error instanceof ZipFormatError)) throw error;
    report.problems.push(`${runOptions.jarfile} is not a valid jar (${error.message})`);
    return report;
  }
  checkVersions(jar, runtime, report);
  checkFactories(jar, report);
  return report;
}
