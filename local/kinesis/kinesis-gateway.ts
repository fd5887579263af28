/**
 * A thin gateway in front of kinesalite that adds what the provisioning tasks call and kinesalite lacks:
 * on-demand streams (`StreamModeDetails: ON_DEMAND` without a ShardCount; AWS starts them with 4 shards),
 * `StartStreamEncryption`/`StopStreamEncryption`, the stream mode and encryption in `DescribeStream*`,
 * `StreamARN` in place of `StreamName` (newer SDKs and connectors address streams by ARN), and
 * `GetShardIterator` of type `AT_TIMESTAMP`, which kinesalite cannot serve (see `atTimestampIterator`),
 * and `GetRecords` over CBOR, whose kinesalite answer is cut off at 64 KiB (see `getRecordsAsCbor`).
 * Everything else, CBOR requests included, passes through unchanged.
 */
import { Decoder, Encoder } from 'cbor';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';

const JSON_TYPE = 'application/x-amz-json-1.1';
const CBOR_TYPE = 'application/x-amz-cbor-1.1';
/** GetRecords' largest page. */
const RECORDS_PER_PAGE = 10_000;
/** The shards AWS gives a new on-demand stream. */
const ON_DEMAND_SHARDS = 4;

interface StreamExtras {
  mode: 'PROVISIONED' | 'ON_DEMAND';
  encryption?: { EncryptionType: string; KeyId: string };
}

/** The gateway's own per-stream state as saved on disk. */
interface SavedExtras {
  version: 1;
  streams: Record<string, StreamExtras>;
}

/**
 * Reads the per-stream extras saved in `file`; none when there is no file. A file that does not read
 * as the gateway wrote it is an error: guessing would show streams with the wrong mode or encryption.
 */
export function loadStreamExtras(file: string): Map<string, StreamExtras> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw e;
  }
  const unreadable = (why: string) =>
    `The Kinesis streams' modes and encryption saved in ${file} cannot be read (${why}). Start the local ` +
    'cloud with `flinkflow local up --fresh` to discard the saved data.';
  let saved: Partial<SavedExtras> | null;
  try {
    saved = JSON.parse(text) as Partial<SavedExtras> | null;
  } catch (e) {
    throw new Error(unreadable(`not JSON: ${(e as Error).message}`), { cause: e });
  }
  if (saved?.version !== 1 || typeof saved.streams !== 'object' || saved.streams === null) {
    throw new Error(unreadable('not the version 1 layout the gateway writes'));
  }
  return new Map(Object.entries(saved.streams));
}

/** Writes the extras to `file` through a temporary file and a rename, so a reader never sees half of it. */
function saveStreamExtras(file: string, extras: Map<string, StreamExtras>): void {
  const saved: SavedExtras = { version: 1, streams: Object.fromEntries(extras) };
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(`${file}.tmp`, `${JSON.stringify(saved, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

export interface KinesisGateway {
  url: string;
  close(): Promise<void>;
}

function readBody(stream: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

function streamNameOf(input: Record<string, unknown>): string | undefined {
  if (typeof input['StreamName'] === 'string') return input['StreamName'];
  const arn = input['StreamARN'];
  return typeof arn === 'string' ? arn.slice(arn.lastIndexOf('/') + 1) : undefined;
}

/**
 * A CBOR timestamp as the Java SDKs write it and Kinesis reads it: tag 1 over whole epoch milliseconds,
 * not the seconds RFC 8949 gives tag 1 (a generic decoder, kinesalite's included, makes it year 58000).
 */
class EpochMillis {
  constructor(readonly millis: number) {}
}

/**
 * The whole CBOR encoding of `value`. cbor's `encodeOne` returns only what fits its stream's
 * highWaterMark (16 KiB) and silently drops the rest; `encodeAsync` collects every chunk.
 */
function encodeCbor(value: unknown): Promise<Buffer> {
  return Encoder.encodeAsync(value);
}

function decodeCbor(body: Buffer): Record<string, unknown> | undefined {
  try {
    const decoded: unknown = Decoder.decodeFirstSync(body, {
      tags: { 1: (value: unknown) => new EpochMillis(Number(value)) },
    });
    return typeof decoded === 'object' && decoded !== null && !Array.isArray(decoded)
      ? (decoded as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function parseJsonObject(body: Buffer): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** A request's `Timestamp` in epoch seconds, as kinesalite keeps `ApproximateArrivalTimestamp`. */
function timestampSecondsOf(value: unknown): number | undefined {
  if (value instanceof EpochMillis) return value.millis / 1000;
  // The JSON protocol carries epoch seconds (with a fraction).
  return typeof value === 'number' ? value : undefined;
}

/** Called with each successful put: the stream, the records put and their data bytes. */
export type PutObserver = (stream: string, records: number, bytes: number) => void;

function dataBytes(data: unknown): number {
  if (typeof data === 'string') return Buffer.from(data, 'base64').length;
  return data instanceof Uint8Array ? data.length : 0;
}

/**
 * What a PutRecord/PutRecords call put, from its request and kinesalite's answer (JSON or CBOR, as the
 * client spoke): PutRecords counts the entries without an ErrorCode, as AWS's IncomingRecords does.
 */
export function successfulPut(
  operation: string,
  input: Record<string, unknown> | undefined,
  answer: { status: number; body: Buffer },
  cbor: boolean,
): { stream: string; records: number; bytes: number } | undefined {
  if (!input || answer.status !== 200) return undefined;
  const stream = streamNameOf(input);
  if (!stream) return undefined;
  if (operation === 'PutRecord') return { stream, records: 1, bytes: dataBytes(input['Data']) };
  const output = cbor ? decodeCbor(answer.body) : parseJsonObject(answer.body);
  const results = output?.['Records'];
  const entries = input['Records'];
  if (!Array.isArray(results) || !Array.isArray(entries)) return undefined;
  let records = 0;
  let bytes = 0;
  results.forEach((result: unknown, i: number) => {
    if ((result as { ErrorCode?: unknown } | null)?.ErrorCode) return;
    records += 1;
    bytes += dataBytes((entries[i] as { Data?: unknown } | undefined)?.Data);
  });
  return { stream, records, bytes };
}

/**
 * Starts the gateway on a free port of 127.0.0.1, forwarding to kinesalite at `upstream`; `onPut` hears
 * of every successful put (the stream metrics, local/kinesis/metrics.ts). With `stateFile`, the streams'
 * modes and encryption are loaded from it and written to it at every change (they are few and rare), so
 * they stay in step with kinesalite's LevelDB even when the process is killed.
 */
export function startKinesisGateway(
  upstream: string,
  log: (line: string) => void = () => undefined,
  onPut?: PutObserver,
  stateFile?: string,
): Promise<KinesisGateway> {
  const target = new URL(upstream);
  const extras = stateFile ? loadStreamExtras(stateFile) : new Map<string, StreamExtras>();
  const changed = () => {
    if (stateFile) saveStreamExtras(stateFile, extras);
  };
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

  const forward = (
    req: http.IncomingMessage,
    body: Buffer,
    headerOverrides: http.IncomingHttpHeaders = {},
  ): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> =>
    new Promise((resolve, reject) => {
      const headers = {
        ...req.headers,
        ...headerOverrides,
        host: target.host,
        'content-length': String(body.length),
      };
      const request = http.request(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers, agent },
        (response) => {
          readBody(response).then(
            (b) => resolve({ status: response.statusCode ?? 500, headers: response.headers, body: b }),
            reject,
          );
        },
      );
      request.on('error', reject);
      request.end(body);
    });

  const reply = (
    res: http.ServerResponse,
    status: number,
    headers: http.IncomingHttpHeaders,
    body: Buffer,
  ) => {
    const out: http.OutgoingHttpHeaders = { ...headers, 'content-length': String(body.length) };
    delete out['transfer-encoding'];
    res.writeHead(status, out);
    res.end(body);
  };

  const jsonReply = (res: http.ServerResponse, status: number, payload: unknown, errorType?: string) => {
    const body = Buffer.from(JSON.stringify(payload));
    reply(
      res,
      status,
      { 'content-type': JSON_TYPE, ...(errorType ? { 'x-amzn-errortype': errorType } : {}) },
      body,
    );
  };

  /** Replies in the protocol the client spoke: kinesalite's JSON answer re-encoded as CBOR for a CBOR client. */
  const replyIn = async (
    res: http.ServerResponse,
    cbor: boolean,
    answer: { status: number; headers: http.IncomingHttpHeaders; body: Buffer },
  ) => {
    if (!cbor) return reply(res, answer.status, answer.headers, answer.body);
    const payload: unknown = answer.body.length ? JSON.parse(answer.body.toString('utf8')) : {};
    return reply(
      res,
      answer.status,
      { ...answer.headers, 'content-type': CBOR_TYPE },
      await encodeCbor(payload),
    );
  };

  const errorIn = (res: http.ServerResponse, cbor: boolean, type: string, message: string) =>
    replyIn(res, cbor, {
      status: 400,
      headers: { 'content-type': JSON_TYPE, 'x-amzn-errortype': type },
      body: Buffer.from(JSON.stringify({ __type: type, message })),
    });

  /**
   * `GetShardIterator` of type `AT_TIMESTAMP`, served from kinesalite's LATEST, TRIM_HORIZON and
   * AT_SEQUENCE_NUMBER iterators. kinesalite's own AT_TIMESTAMP cannot be used: from a Java SDK (CBOR) it
   * fails with `SerializationException: Start of structure or map found where not expected` (its decoder
   * turns the timestamp into a Date), and with no record at or after the timestamp (a new job reading
   * from LATEST, which the Kinesis connector turns into AT_TIMESTAMP of its start time) it never answers.
   * As on AWS, the iterator starts at the first record that arrived at or after the timestamp; when there
   * is none yet, at the records put from now on.
   */
  const atTimestampIterator = async (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    cbor: boolean,
    input: Record<string, unknown>,
  ) => {
    const call = (operation: string, payload: Record<string, unknown>) =>
      forward(req, Buffer.from(JSON.stringify(payload)), {
        'x-amz-target': `Kinesis_20131202.${operation}`,
        'content-type': JSON_TYPE,
      });
    const shard = { StreamName: streamNameOf(input), ShardId: input['ShardId'] };
    // Taken before the scan, so that a record put while scanning is either found or read from here.
    const latest = await call('GetShardIterator', { ...shard, ShardIteratorType: 'LATEST' });
    if (latest.status !== 200) return replyIn(res, cbor, latest);
    const timestamp = timestampSecondsOf(input['Timestamp']);
    if (timestamp === undefined) {
      return errorIn(
        res,
        cbor,
        'InvalidArgumentException',
        'Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP. Current request has no timestamp parameter.',
      );
    }
    const now = Date.now();
    if (timestamp * 1000 > now) {
      return errorIn(
        res,
        cbor,
        'InvalidArgumentException',
        `The timestampInMillis parameter cannot be greater than the currentTimestampInMillis. timestampInMillis: ${timestamp * 1000}, currentTimestampInMillis: ${now}`,
      );
    }
    const horizon = await call('GetShardIterator', { ...shard, ShardIteratorType: 'TRIM_HORIZON' });
    if (horizon.status !== 200) return replyIn(res, cbor, horizon);
    let iterator = (JSON.parse(horizon.body.toString('utf8')) as { ShardIterator?: string }).ShardIterator;
    while (iterator) {
      const page = await call('GetRecords', { ShardIterator: iterator, Limit: RECORDS_PER_PAGE });
      if (page.status !== 200) return replyIn(res, cbor, page);
      const { Records = [], NextShardIterator } = JSON.parse(page.body.toString('utf8')) as {
        Records?: { SequenceNumber: string; ApproximateArrivalTimestamp: number }[];
        NextShardIterator?: string;
      };
      const first = Records.find((record) => record.ApproximateArrivalTimestamp >= timestamp);
      if (first) {
        const at = await call('GetShardIterator', {
          ...shard,
          ShardIteratorType: 'AT_SEQUENCE_NUMBER',
          StartingSequenceNumber: first.SequenceNumber,
        });
        return replyIn(res, cbor, at);
      }
      if (Records.length === 0) break;
      iterator = NextShardIterator;
    }
    return replyIn(res, cbor, latest);
  };

  /**
   * `GetRecords` for a CBOR client (the Java SDK, so the Flink connector). kinesalite's own CBOR answer
   * is cut off at 64 KiB (its cbor 5 `encodeOne` returns only what fits the encoder's buffer), which the
   * connector reads as `JsonEOFException: Unexpected end-of-input` and fails the job on every page of a
   * backlog, e.g. after a restart. So the page is asked for in JSON and encoded here: Data back to a
   * byte string, everything else as kinesalite's CBOR gives it.
   */
  const getRecordsAsCbor = async (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    input: Record<string, unknown>,
  ) => {
    const answer = await forward(req, Buffer.from(JSON.stringify(input)), { 'content-type': JSON_TYPE });
    if (answer.status !== 200) return replyIn(res, true, answer);
    const page = JSON.parse(answer.body.toString('utf8')) as { Records?: { Data?: unknown }[] };
    for (const record of page.Records ?? []) {
      if (typeof record.Data === 'string') record.Data = Buffer.from(record.Data, 'base64');
    }
    return reply(res, 200, { ...answer.headers, 'content-type': CBOR_TYPE }, await encodeCbor(page));
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    let body = await readBody(req);
    const operation = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
    const contentType = String(req.headers['content-type'] ?? '');
    const isJson = contentType.startsWith('application/x-amz-json');
    const isCbor = contentType.startsWith('application/x-amz-cbor');
    if (operation === 'GetRecords' && isCbor) {
      const input = decodeCbor(body);
      if (input) return getRecordsAsCbor(req, res, input);
    }
    if (operation === 'GetShardIterator' && (isJson || isCbor)) {
      // A body that does not decode passes through: kinesalite answers it with a SerializationException.
      const input = isCbor ? decodeCbor(body) : parseJsonObject(body);
      if (input?.['ShardIteratorType'] === 'AT_TIMESTAMP')
        return atTimestampIterator(req, res, isCbor, input);
    }
    // Puts are read (not changed) for the stream metrics.
    const putInput =
      onPut && (operation === 'PutRecord' || operation === 'PutRecords') && (isJson || isCbor)
        ? isCbor
          ? decodeCbor(body)
          : parseJsonObject(body)
        : undefined;
    const observe = (answer: { status: number; body: Buffer }) => {
      const put = successfulPut(operation, putInput, answer, isCbor);
      if (put) onPut?.(put.stream, put.records, put.bytes);
    };
    // Record traffic (PutRecords, GetRecords, ...) by name needs nothing from the gateway: pass it through
    // without parsing it.
    const special = [
      'CreateStream',
      'StartStreamEncryption',
      'StopStreamEncryption',
      'DeleteStream',
      'DescribeStream',
      'DescribeStreamSummary',
    ];
    if (!isJson || (!special.includes(operation) && !body.includes('"StreamARN"'))) {
      const answer = await forward(req, body);
      observe(answer);
      return reply(res, answer.status, answer.headers, answer.body);
    }
    const input = body.length ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : {};
    const name = streamNameOf(input);
    if (name !== undefined && input['StreamName'] === undefined && input['StreamARN'] !== undefined) {
      input['StreamName'] = name;
      delete input['StreamARN'];
    }
    if (operation === 'CreateStream') {
      const mode =
        (input['StreamModeDetails'] as { StreamMode?: string } | undefined)?.StreamMode === 'ON_DEMAND'
          ? 'ON_DEMAND'
          : 'PROVISIONED';
      if (mode === 'ON_DEMAND') {
        if (input['ShardCount'] !== undefined) {
          return jsonReply(
            res,
            400,
            {
              __type: 'ValidationException',
              message: 'ShardCount must not be given for an ON_DEMAND stream.',
            },
            'ValidationException',
          );
        }
        input['ShardCount'] = ON_DEMAND_SHARDS;
      }
      delete input['StreamModeDetails'];
      body = Buffer.from(JSON.stringify(input));
      const answer = await forward(req, body);
      if (answer.status === 200 && name) {
        extras.set(name, { mode });
        changed();
      }
      return reply(res, answer.status, answer.headers, answer.body);
    }
    if (operation === 'StartStreamEncryption' || operation === 'StopStreamEncryption') {
      // The stream must exist: ask kinesalite, and pass its ResourceNotFoundException on as it is.
      const probe = await forward(req, Buffer.from(JSON.stringify({ StreamName: name })), {
        'x-amz-target': 'Kinesis_20131202.DescribeStreamSummary',
      });
      if (probe.status !== 200) return reply(res, probe.status, probe.headers, probe.body);
      const record = extras.get(name as string) ?? { mode: 'PROVISIONED' };
      if (operation === 'StartStreamEncryption') {
        if (input['EncryptionType'] !== 'KMS' || typeof input['KeyId'] !== 'string') {
          return jsonReply(
            res,
            400,
            {
              __type: 'ValidationException',
              message: 'StartStreamEncryption takes EncryptionType KMS and a KeyId.',
            },
            'ValidationException',
          );
        }
        record.encryption = { EncryptionType: 'KMS', KeyId: input['KeyId'] };
      } else {
        delete record.encryption;
      }
      extras.set(name as string, record);
      changed();
      log(`${operation} ${name}`);
      return jsonReply(res, 200, {});
    }
    if (operation === 'DeleteStream' && name && extras.delete(name)) changed();
    body = Buffer.from(JSON.stringify(input));
    const answer = await forward(req, body);
    if (
      answer.status === 200 &&
      (operation === 'DescribeStreamSummary' || operation === 'DescribeStream') &&
      name
    ) {
      const output = JSON.parse(answer.body.toString('utf8')) as Record<string, Record<string, unknown>>;
      const description = output['StreamDescriptionSummary'] ?? output['StreamDescription'];
      const record = extras.get(name) ?? { mode: 'PROVISIONED' };
      if (description) {
        description['StreamModeDetails'] = { StreamMode: record.mode };
        description['EncryptionType'] = record.encryption?.EncryptionType ?? 'NONE';
        if (record.encryption) description['KeyId'] = record.encryption.KeyId;
      }
      return reply(res, 200, answer.headers, Buffer.from(JSON.stringify(output)));
    }
    observe(answer);
    return reply(res, answer.status, answer.headers, answer.body);
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      log(`gateway error: ${String(e)}`);
      if (!res.headersSent)
        jsonReply(res, 500, { __type: 'InternalFailure', message: String(e) }, 'InternalFailure');
    });
  });
  server.keepAliveTimeout = 5000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            agent.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
