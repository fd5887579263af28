/**
 * A minimal server for AWS's JSON 1.0/1.1 protocols (Glue, Athena, Kinesis Analytics V2: 1.1; Step
 * Functions: 1.0; they differ only in the content type): every request is a
 * POST whose `X-Amz-Target` header is `<TargetPrefix>.<Operation>` and whose body is the input as JSON.
 * Errors are answered as the SDKs expect them: status 400/5xx, `x-amzn-ErrorType` header and a
 * `{"__type": ..., "message": ...}` body, so the SDK raises an exception named after the error code.
 *
 * A provider (common/provider.ts) is an object with one method per API operation, named as the API names
 * it; the target's operation name finds the method, and a name with no method is an unknown operation.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AwsServiceError } from './errors';

export type Operation = (input: Record<string, unknown>) => unknown;
/** Any provider: its methods are typed per service by ProviderOf (common/provider.ts). */
export type Provider = object;

/** API operation names are PascalCase, which keeps `constructor`, `toString` and the like out of reach. */
const OPERATION_NAME = /^[A-Z][A-Za-z0-9]*$/;

export interface JsonServiceOptions {
  /** The part of X-Amz-Target before the dot, e.g. `AWSGlue`, `AmazonAthena`, `KinesisAnalytics_20180523`. */
  targetPrefix: string;
  provider: Provider;
  /** 0 picks a free port. Always bound to 127.0.0.1. */
  port?: number;
  /** Called for each request, for the service's log. */
  log?: (line: string) => void;
  /** A larger body is answered with a 413 error without being kept in memory; DEFAULT_MAX_BODY_BYTES unless set. */
  maxBodyBytes?: number;
  /** The JSON protocol version, which names the content type. Default 1.1. */
  jsonVersion?: '1.0' | '1.1';
}

/** Far above any Glue or Athena request (Athena's QueryString is at most 262,144 bytes). */
export const DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024;

export interface RunningService {
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Reads the body, or only its size once it passes `limit`: the rest is read and dropped, so the client
 * still gets the answer (closing mid-upload would leave it with a connection reset instead).
 */
function readBody(req: http.IncomingMessage, limit: number): Promise<{ body: string; size: number }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= limit) chunks.push(c);
      else chunks.length = 0;
    });
    req.on('end', () => resolve({ body: size <= limit ? Buffer.concat(chunks).toString('utf8') : '', size }));
    req.on('error', reject);
  });
}

function send(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  errorType?: string,
  jsonVersion = '1.1',
): void {
  const payload = JSON.stringify(body ?? {});
  const headers: Record<string, string> = {
    'content-type': `application/x-amz-json-${jsonVersion}`,
    'content-length': String(Buffer.byteLength(payload)),
    'x-amzn-requestid': crypto.randomUUID(),
  };
  if (errorType) headers['x-amzn-errortype'] = errorType;
  res.writeHead(status, headers);
  res.end(payload);
}

/**
 * The provider's method for an operation name, bound to the provider, or undefined when it has none:
 * how the dispatcher finds an operation, and how tests call one with a request the SDK would not send.
 */
export function operationOf(provider: Provider, operation: string): Operation | undefined {
  if (!OPERATION_NAME.test(operation)) return undefined;
  const method = (provider as Record<string, unknown>)[operation];
  return typeof method === 'function' ? (method as Operation).bind(provider) : undefined;
}

/** Answers one request; exported so providers can be tested without a socket. */
export async function dispatch(
  options: Pick<JsonServiceOptions, 'targetPrefix' | 'provider'>,
  target: string | undefined,
  body: string,
): Promise<{ status: number; body: unknown; errorType?: string }> {
  const error = (code: string, message: string, status = 400, fields: Record<string, unknown> = {}) => ({
    status,
    body: { ...fields, __type: code, message, Message: message },
    errorType: code,
  });
  if (!target || !target.startsWith(`${options.targetPrefix}.`)) {
    return error('UnknownOperationException', `Unknown target ${target ?? '(none)'}`);
  }
  const operation = target.slice(options.targetPrefix.length + 1);
  const method = operationOf(options.provider, operation);
  if (!method) return error('UnknownOperationException', `Operation ${operation} is not supported`);
  let input: unknown;
  try {
    input = body.length ? JSON.parse(body) : {};
  } catch (e) {
    return error('SerializationException', `Request body is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return error(
      'SerializationException',
      `Request body must be a JSON object of the operation's input, not ${input === null ? 'null' : Array.isArray(input) ? 'an array' : typeof input}.`,
    );
  }
  try {
    const output = await method(input as Record<string, unknown>);
    return { status: 200, body: output ?? {} };
  } catch (e) {
    if (e instanceof AwsServiceError) return error(e.code, e.message, e.statusCode, e.fields);
    const message = e instanceof Error ? e.message : String(e);
    return error('InternalFailure', message, 500);
  }
}

/** Starts a JSON 1.0/1.1 service on 127.0.0.1. */
export function startJsonService(options: JsonServiceOptions): Promise<RunningService> {
  const limit = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const server = http.createServer((req, res) => {
    void (async () => {
      const { body, size } = await readBody(req, limit);
      const target = req.headers['x-amz-target'];
      const result =
        size > limit
          ? {
              status: 413,
              body: {
                __type: 'RequestEntityTooLargeException',
                message: `Request body is ${size} bytes; this endpoint takes at most ${limit}.`,
              },
              errorType: 'RequestEntityTooLargeException',
            }
          : await dispatch(options, Array.isArray(target) ? target[0] : target, body);
      options.log?.(`${target ?? '-'} -> ${result.status}${result.errorType ? ` ${result.errorType}` : ''}`);
      send(res, result.status, result.body, result.errorType, options.jsonVersion);
    })().catch((e: unknown) =>
      send(
        res,
        500,
        { __type: 'InternalFailure', message: String(e) },
        'InternalFailure',
        options.jsonVersion,
      ),
    );
  });
  // The SDKs keep connections alive; don't let an idle socket hold close() open.
  server.keepAliveTimeout = 5000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        port,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
