/** The TypeScript pre-flight check of a code zip, on zips built here and on the real flink-app zip. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { checkCodeZip } from '../../lambdas/shared/code-preflight';
import { openZip, ZipFormatError } from '../../lambdas/shared/zip-reader';
import { makeCodeZip, makeJobJar, makeZip } from '../support/zip-writer';

const realZip = path.join(__dirname, '../../flink-app/dist/flinkflow-app.zip');

describe('the zip reader', () => {
  it('It should read stored and deflated entries back byte for byte', () => {
    const text = 'x'.repeat(5000);
    for (const method of [0, 8] as const) {
      const zip = openZip(makeZip({ 'a.txt': text, 'dir/b.bin': Buffer.from([1, 2, 3]) }, method));
      expect([...zip.entries.keys()]).toEqual(['a.txt', 'dir/b.bin']);
      expect(zip.read('a.txt').toString()).toBe(text);
      expect([...zip.read('dir/b.bin')]).toEqual([1, 2, 3]);
    }
  });

  it('It should refuse bytes that are not a zip, and a truncated one, with ZipFormatError', () => {
    expect(() => openZip(Buffer.from('not a zip at all, just some text here'))).toThrow(ZipFormatError);
    const zip = makeZip({ 'a.txt': 'hello' });
    expect(() => openZip(zip.subarray(0, zip.length - 5))).toThrow(/end-of-central-directory/);
  });
});

describe('checkCodeZip', () => {
  it('It should pass a zip laid out as make flink-zip builds it, for FLINK-1_20', () => {
    const report = checkCodeZip(makeCodeZip(), 'FLINK-1_20');
    expect(report.problems).toEqual([]);
    expect(report.passed).toEqual(
      expect.arrayContaining([
        'main.py is in the zip',
        'flink-connector-kinesis 4.3.0-1.19 is built for Flink 1.19, which FLINK-1_20 accepts',
        "format 'parquet' is provided",
      ]),
    );
  });

  it('It should name a connector built for another Flink and say which build to use', () => {
    const report = checkCodeZip(makeCodeZip(makeJobJar('4.3.0-1.18')), 'FLINK-1_20');
    expect(report.problems).toEqual([
      'flink-connector-kinesis 4.3.0-1.18 is built for Flink 1.18, but FLINK-1_20 runs Flink 1.20; use a build ending in -1.20 or -1.19',
    ]);
  });

  it('It should name a Flink artifact from another Flink version', () => {
    const report = checkCodeZip(makeCodeZip(makeJobJar('4.3.0-1.19', '1.18.1')), 'FLINK-1_20');
    expect(report.problems).toEqual([
      'flink-parquet 1.18.1 is from Flink 1.18, but FLINK-1_20 runs Flink 1.20; use flink-parquet 1.20.x',
    ]);
  });

  it('It should report a missing entry point and a missing jar with the run options that name them', () => {
    const report = checkCodeZip(makeZip({ 'job.py': 'x' }), 'FLINK-1_20');
    expect(report.problems).toHaveLength(2);
    expect(report.problems[0]).toMatch(
      /run option python names 'main.py', which is not in the zip \(it holds: job.py\)/,
    );
    expect(report.problems[1]).toMatch(/run option jarfile names 'lib\/flinkflow-app-deps.jar'/);
  });

  it('It should follow the run options the application has', () => {
    const zip = makeZip({ 'app/run.py': 'x', 'deps.jar': makeJobJar() }, 0);
    expect(checkCodeZip(zip, 'FLINK-1_20', { python: 'app/run.py', jarfile: 'deps.jar' }).problems).toEqual(
      [],
    );
  });

  it('It should refuse a runtime the job is not packaged for, and a jar without the Kinesis factory', () => {
    expect(checkCodeZip(makeCodeZip(), 'FLINK-1_15').problems).toEqual([
      'the application runs FLINK-1_15, for which the job is not packaged; use one of: FLINK-1_20',
    ]);
    const jar = makeZip({
      'META-INF/flinkflow/flink-artifacts.properties': 'flink-connector-kinesis=4.3.0-1.19\n',
    });
    expect(checkCodeZip(makeCodeZip(jar), 'FLINK-1_20').problems).toEqual([
      expect.stringMatching(/no Kinesis table source factory/),
      expect.stringMatching(/no 'parquet' format factory/),
    ]);
  });

  it('It should report bytes that are not a zip instead of throwing', () => {
    expect(checkCodeZip(Buffer.from('hello'), 'FLINK-1_20').problems).toEqual([
      expect.stringMatching(/^the code is not a valid zip file .*make flink-zip/),
    ]);
  });

  (existsSync(realZip) ? it : it.skip)('It should pass the real zip that make flink-zip built', () => {
    const report = checkCodeZip(readFileSync(realZip), 'FLINK-1_20');
    expect(report.problems).toEqual([]);
    expect(report.passed).toContain(
      "connector 'kinesis' is provided by org.apache.flink.streaming.connectors.kinesis.table.KinesisDynamicTableFactory",
    );
  });
});
