/**
 * The pre-flight's messages one at a time: the properties and service files it reads (comments, blank
 * lines, spaces, CRLF), each problem it reports with its exact text, and PreflightCode's reading of the
 * object (what it asks S3 for, a missing or oversized object, an empty body, the problem count).
 */
import '../support/quiet-logs';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { Readable } from 'node:stream';
import { MAX_ZIP_BYTES, run } from '../../lambdas/preflight-code';
import { ArtifactsFile, checkCodeZip, FactoryServicesFile } from '../../lambdas/shared/code-preflight';
import { awsError } from '../support/aws-errors';
import { BUCKET, redeployState } from '../support/redeploy';
import { makeCodeZip, makeJobJar, makeZip } from '../support/zip-writer';

const KINESIS_SOURCE = 'org.apache.flink.streaming.connectors.kinesis.table.KinesisDynamicTableFactory';
const KINESIS_SINK = 'org.apache.flink.connector.kinesis.table.KinesisDynamicTableSinkFactory';
const PARQUET = 'org.apache.flink.formats.parquet.ParquetFileFormatFactory';

const jar = (artifacts: string | undefined, services: string | undefined) =>
  makeZip({
    ...(artifacts === undefined ? {} : { [ArtifactsFile]: artifacts }),
    ...(services === undefined ? {} : { [FactoryServicesFile]: services }),
  });
const goodServices = `${KINESIS_SOURCE}\n${PARQUET}\n`;

describe('checkCodeZip: the properties file', () => {
  it('It should read keys and values around spaces and CRLF, skipping comments, blanks and lines without =', () => {
    const artifacts = [
      '  # flink-connector-kinesis=4.3.0-1.18',
      '',
      '   ',
      'flink-connector-kinesis = 4.3.0-1.19',
      '1.18.0',
      'flink-parquet=1.20.0',
      'build.time=2026-12-01 10:00',
      '',
    ].join('\r\n');

    const report = checkCodeZip(makeCodeZip(jar(artifacts, goodServices)), 'FLINK-1_20');

    expect(report).toEqual({
      passed: [
        'main.py is in the zip',
        'lib/flinkflow-app-deps.jar is in the zip',
        'flink-connector-kinesis 4.3.0-1.19 is built for Flink 1.19, which FLINK-1_20 accepts',
        `connector 'kinesis' is provided by ${KINESIS_SOURCE}`,
        "format 'parquet' is provided",
      ],
      problems: [],
    });
  });

  it('It should say the jar has no artifacts file, and still check its factories', () => {
    const report = checkCodeZip(makeCodeZip(jar(undefined, goodServices)), 'FLINK-1_20');
    expect(report.problems).toEqual([`the jar has no ${ArtifactsFile}; build it with \`make flink-jar\``]);
    expect(report.passed).toContain("format 'parquet' is provided");
  });

  it('It should say the jar declares no Kinesis connector when its only connector is another', () => {
    const report = checkCodeZip(
      makeCodeZip(jar('flink-connector-files=3.1.0-1.19\nflink-parquet=1.20.0\n', goodServices)),
      'FLINK-1_20',
    );
    expect(report.problems).toEqual([
      `the jar declares no Flink Kinesis connector in ${ArtifactsFile}; build it with \`make flink-jar\``,
    ]);
    expect(report.passed).toContain(
      'flink-connector-files 3.1.0-1.19 is built for Flink 1.19, which FLINK-1_20 accepts',
    );
  });

  it('It should not take a kinesis artifact with a plain version for a connector build', () => {
    const report = checkCodeZip(
      makeCodeZip(jar('flink-connector-kinesis=1.20.0\n', goodServices)),
      'FLINK-1_20',
    );
    expect(report.problems).toEqual([
      `the jar declares no Flink Kinesis connector in ${ArtifactsFile}; build it with \`make flink-jar\``,
    ]);
  });
});

describe('checkCodeZip: the factory services file', () => {
  it('It should skip commented factories and name the source factory it found, trimmed', () => {
    const services = `# ${KINESIS_SOURCE}\r\n\r\n  ${KINESIS_SINK}  \r\n  ${KINESIS_SOURCE}  \r\n${PARQUET}\r\n`;
    const report = checkCodeZip(
      makeCodeZip(jar('flink-connector-kinesis=4.3.0-1.19\n', services)),
      'FLINK-1_20',
    );
    expect(report.problems).toEqual([]);
    expect(report.passed).toContain(`connector 'kinesis' is provided by ${KINESIS_SOURCE}`);
  });

  it('It should not count a Kinesis sink factory or a commented one as the source', () => {
    const services = `# ${KINESIS_SOURCE}\n# ${PARQUET}\n${KINESIS_SINK}\n`;
    const report = checkCodeZip(
      makeCodeZip(jar('flink-connector-kinesis=4.3.0-1.19\n', services)),
      'FLINK-1_20',
    );
    expect(report.problems).toEqual([
      `the jar registers no Kinesis table source factory in ${FactoryServicesFile}; bundle flink-connector-kinesis and merge service files (maven-shade ServicesResourceTransformer)`,
      "the jar registers no 'parquet' format factory; bundle flink-parquet",
    ]);
  });
});

describe('checkCodeZip: the code zip', () => {
  it('It should list the first eight entries in order when the entry point is missing', () => {
    const entries = Object.fromEntries(
      ['k.py', 'b.py', 'j.py', 'a.py', 'i.py', 'c.py', 'h.py', 'd.py', 'g.py'].map((n) => [n, 'x']),
    );
    const report = checkCodeZip(
      makeZip({ ...entries, 'lib/flinkflow-app-deps.jar': makeJobJar() }),
      'FLINK-1_20',
    );
    expect(report.problems).toEqual([
      "the run option python names 'main.py', which is not in the zip (it holds: a.py, b.py, c.py, d.py, g.py, h.py, i.py, j.py); put the job's entry point there",
    ]);
  });

  it('It should say an empty entry point is empty', () => {
    const report = checkCodeZip(makeCodeZip(makeJobJar(), ''), 'FLINK-1_20');
    expect(report.problems).toEqual(["main.py is empty; put the job's entry point there"]);
    expect(report.passed).not.toContain('main.py is in the zip');
  });

  it('It should say where the jar should be, and stop there', () => {
    const report = checkCodeZip(makeZip({ 'main.py': 'x' }), 'FLINK-1_20');
    expect(report).toEqual({
      passed: ['main.py is in the zip'],
      problems: [
        "the run option jarfile names 'lib/flinkflow-app-deps.jar', which is not in the zip; package the shaded jar there (`make flink-zip`)",
      ],
    });
  });

  it("It should say a jar that is not a zip is not a valid jar, with the reader's reason", () => {
    const report = checkCodeZip(makeCodeZip(Buffer.from('not a jar')), 'FLINK-1_20');
    expect(report).toEqual({
      passed: ['main.py is in the zip', 'lib/flinkflow-app-deps.jar is in the zip'],
      problems: ['lib/flinkflow-app-deps.jar is not a valid jar (9 bytes is too short to be a zip file)'],
    });
  });

  it("It should give the reader's reason for a code zip that is not a zip", () => {
    expect(checkCodeZip(Buffer.from('hello, this is text'), 'FLINK-1_20').problems).toEqual([
      'the code is not a valid zip file (19 bytes is too short to be a zip file); rebuild it with `make flink-zip`',
    ]);
  });
});

describe('PreflightCode', () => {
  const s3 = mockClient(S3Client);
  beforeEach(() => s3.reset());
  const where = `s3://${BUCKET}/code/flinkflow-app.zip (version v2)`;
  const body = (zip: Buffer, ContentLength: number | undefined = zip.length) => ({
    Body: Readable.from([zip.subarray(0, 10), zip.subarray(10)]) as never,
    ...(ContentLength === undefined ? {} : { ContentLength }),
  });
  const caught = (promise: Promise<unknown>) =>
    promise.then(
      () => undefined,
      (error: unknown) => error as Error & { cause?: unknown },
    );

  it('It should return the size and the checks passed of a good zip read in chunks', async () => {
    const zip = makeCodeZip();
    s3.on(GetObjectCommand).resolves(body(zip, undefined));

    const result = await run(redeployState());

    expect(s3).toHaveReceivedCommandWith(GetObjectCommand, {
      Bucket: BUCKET,
      Key: 'code/flinkflow-app.zip',
      VersionId: 'v2',
    });
    expect(result).toEqual({
      sizeBytes: zip.length,
      passed: [
        'main.py is in the zip',
        'lib/flinkflow-app-deps.jar is in the zip',
        'flink-connector-kinesis 4.3.0-1.19 is built for Flink 1.19, which FLINK-1_20 accepts',
        `connector 'kinesis' is provided by ${KINESIS_SOURCE}`,
        "format 'parquet' is provided",
      ],
    });
  });

  // By the error's name whatever its status, and by a 404 whatever its name.
  it.each([
    ['NoSuchKey', 400],
    ['NoSuchVersion', 400],
    ['NotFound', 400],
    ['SomethingElse', 404],
  ])('It should say the object is gone on %s (%i), keeping the S3 error', async (code, statusCode) => {
    const gone = awsError(code, { statusCode });
    s3.on(GetObjectCommand).rejects(gone);

    const error = await caught(run(redeployState()));

    expect(error).toMatchObject({
      name: 'InvalidCodeError',
      message: `The code zip ${where} does not exist (deleted since the upload?); upload it again`,
    });
    expect(error?.cause).toBe(gone);
  });

  it('It should pass a denied read through unchanged', async () => {
    const denied = awsError('AccessDenied', { statusCode: 403 });
    s3.on(GetObjectCommand).rejects(denied);
    expect(await caught(run(redeployState()))).toBe(denied);
  });

  it('It should retry an answer without a body', async () => {
    s3.on(GetObjectCommand).resolves({});
    expect(await caught(run(redeployState()))).toMatchObject({
      name: 'TransientError',
      message: `GetObject ${where} returned no body`,
    });
  });

  it('It should refuse a zip over the limit before reading it, and read one at the limit', async () => {
    s3.on(GetObjectCommand).resolves(body(makeCodeZip(), MAX_ZIP_BYTES + 1));
    expect(await caught(run(redeployState()))).toMatchObject({
      name: 'InvalidCodeError',
      message: `The code zip ${where} is ${MAX_ZIP_BYTES + 1} bytes, more than the ${MAX_ZIP_BYTES} the pre-flight reads; the job's zip is about 50 MB, rebuild it with make flink-zip`,
    });
    s3.on(GetObjectCommand).resolves(body(makeCodeZip(), MAX_ZIP_BYTES));
    expect(await run(redeployState())).toMatchObject({ sizeBytes: makeCodeZip().length });
  });

  it('It should count the problems and list them all, saying the application was not changed', async () => {
    s3.on(GetObjectCommand).resolves(body(makeCodeZip(makeJobJar('4.3.0-1.18', '1.18.1'))));

    expect(await caught(run(redeployState()))).toMatchObject({
      name: 'InvalidCodeError',
      message:
        `The code zip ${where} fails its pre-flight check against FLINK-1_20 (2 problems): ` +
        'flink-connector-kinesis 4.3.0-1.18 is built for Flink 1.18, but FLINK-1_20 runs Flink 1.20; use a build ending in -1.20 or -1.19; ' +
        'flink-parquet 1.18.1 is from Flink 1.18, but FLINK-1_20 runs Flink 1.20; use flink-parquet 1.20.x. The application was not changed.',
    });
  });

  it('It should say 1 problem for one', async () => {
    s3.on(GetObjectCommand).resolves(body(makeCodeZip(makeJobJar(), '')));
    expect(await caught(run(redeployState()))).toMatchObject({
      message: `The code zip ${where} fails its pre-flight check against FLINK-1_20 (1 problem): main.py is empty; put the job's entry point there. The application was not changed.`,
    });
  });
});
