/**
 * The local cloud's edge endpoint: one port that takes any AWS request and passes it to the local
 * service it is for, named by the SigV4 credential scope (`Credential=<key>/<date>/<region>/<service>/
 * aws4_request`, in the Authorization header or, for presigned URLs, the X-Amz-Credential parameter).
 * One `AWS_ENDPOINT_URL=<edge>` then points an SDK or the AWS CLI at the whole local cloud.
 *
 * Bodies stream through both ways (S3 uploads and downloads, Kinesis records): nothing is buffered.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The default edge port. Not LocalStack's 4566 (both can run side by side, and a request never reaches
 * the other emulator by mistake), not kinesalite's 4567 or moto's 5000, and below Linux's ephemeral range
 * (32768-60999) so that no free-port listener of the local cloud itself can ever take it.
 */
export const DEFAULT_EDGE_PORT = 4588;
/** Overrides the edge port; 0 picks a free one (tests, several local clouds on one machine). */
export const EDGE_PORT_VARIABLE = 'FLINKFLOW_EDGE_PORT';

/**
 * Signing names whose endpoint key differs from them: Managed Flink signs as `kinesisanalytics`, CloudWatch
 * metrics as `monitoring`. Every other service routes to the endpoint named like its signing name.
 */
export const SigningNameAliases: Readonly<Record<string, string>> = {
  kinesisanalytics: 'kinesisanalyticsv2',
  monitoring: 'cloudwatch',
};

/** The edge port from the environment (FLINKFLOW_EDGE_PORT), else the default; a bad value is an error. */
export function edgePortFrom(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[EDGE_PORT_VARIABLE];
  if (raw === undefined || raw.trim() === '') return DEFAULT_EDGE_PORT;
  const port = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || port > 65_535) {
    throw new Error(`${EDGE_PORT_VARIABLE}=${raw} is not a port: use 0-65535 (0 picks a free port).`);
  }
  return port;
}

/** The signing name of a request (its SigV4 credential scope's service), or undefined when unsigned. */
export function signingNameOf(
  headers: http.IncomingHttpHeaders,
  url: string | undefined,
): string | undefined {
  const authorization = headers['authorization'];
  const fromHeader =
    typeof authorization === 'string' ? /Credential=([^,\s]+)/.exec(authorization)?.[1] : undefined;
  let credential = fromHeader;
  if (!credential && url) {
    credential = new URL(url, 'http://edge').searchParams.get('X-Amz-Credential') ?? undefined;
  }
  // <access key>/<yyyymmdd>/<region>/<service>/aws4_request; the access key may itself hold a slash.
  const parts = credential?.split('/');
  if (!parts || parts.length < 5 || parts.at(-1) !== 'aws4_request') return undefined;
  return parts.at(-2);
}

export type Route = { service: string; target: string } | { error: EdgeError };

export interface EdgeError {
  status: number;
  code: string;
  message: string;
}

/** Where a request goes: the endpoint of the service its signature names. */
export function routeRequest(
  headers: http.IncomingHttpHeaders,
  url: string | undefined,
  endpoints: Readonly<Record<string, string>>,
): Route {
  const signingName = signingNameOf(headers, url);
  const served = Object.keys(endpoints).sort().join(', ');
  if (!signingName) {
    return {
      error: {
        status: 403,
        code: 'MissingAuthenticationToken',
        message:
          'The local cloud edge routes a request by the service in its SigV4 signature, and this request is not ' +
          `signed. Sign it (any access key works, e.g. AWS_ACCESS_KEY_ID=local), or call the service's own endpoint. Services: ${served}.`,
      },
    };
  }
  const key = SigningNameAliases[signingName] ?? signingName;
  const target = Object.prototype.hasOwnProperty.call(endpoints, key) ? endpoints[key] : undefined;
  if (!target) {
    return {
      error: {
        status: 400,
        code: 'UnknownServiceException',
        message:
          `The local cloud does not serve '${signingName}' (the service in the request's SigV4 credential scope). ` +
          `It serves: ${served}.`,
      },
    };
  }
  return { service: key, target };
}

// Hop-by-hop headers belong to one connection, not to the request (RFC 9110 7.6.1); `expect` is answered
// by the edge itself, which has already told the client to continue.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
  'expect',
]);

function forwardHeaders(raw: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (!HOP_BY_HOP.has((raw[i] as string).toLowerCase())) out.push(raw[i] as string, raw[i + 1] as string);
  }
  return out;
}

/** Answers with an AWS-shaped error: JSON for JSON-protocol clients, XML (query/REST-XML) otherwise. */
function sendError(req: http.IncomingMessage, res: http.ServerResponse, error: EdgeError): void {
  const requestId = crypto.randomUUID();
  const contentType = String(req.headers['content-type'] ?? '');
  const json = req.headers['x-amz-target'] !== undefined || /json|cbor/.test(contentType);
  const body = json
    ? JSON.stringify({ __type: error.code, message: error.message })
    : `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse><Error><Type>Sender</Type><Code>${error.code}</Code>` +
      `<Message>${escapeXml(error.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(error.status, {
    'content-type': json ? 'application/x-amz-json-1.1' : 'text/xml',
    'content-length': String(Buffer.byteLength(body)),
    'x-amzn-requestid': requestId,
    'x-amzn-errortype': error.code,
  });
  res.end(body);
  // The request body is not wanted; drain it so the connection stays usable.
  req.resume();
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export interface EdgeOptions {
  /** 0 picks a free port. Always bound to 127.0.0.1. */
  port: number;
  /** The endpoint of each service, by endpoint key; read per request. */
  endpoints: () => Readonly<Record<string, string>>;
  log?: (line: string) => void;
}

export interface RunningEdge {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Starts the edge on 127.0.0.1; a port in use is an error that says how to choose another. */
export function startEdge(options: EdgeOptions): Promise<RunningEdge> {
  const agent = new http.Agent({ keepAlive: true });
  const server = http.createServer((req, res) => {
    const route = routeRequest(req.headers, req.url, options.endpoints());
    if ('error' in route) {
      options.log?.(`${req.method} ${req.url} -> ${route.error.status} ${route.error.code}`);
      sendError(req, res, route.error);
      return;
    }
    const target = new URL(route.target);
    const upstream = http.request({
      host: target.hostname,
      port: target.port,
      method: req.method,
      path: req.url,
      // The client's Host stays: some services build URLs (or find a bucket) from it.
      headers: forwardHeaders(req.rawHeaders) as unknown as http.OutgoingHttpHeaders,
      agent,
    });
    upstream.on('response', (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.statusMessage, forwardHeaders(answer.rawHeaders));
      answer.pipe(res);
      answer.on('error', () => res.destroy());
    });
    upstream.on('error', (error) => {
      options.log?.(`${route.service} ${req.method} ${req.url} -> upstream error ${error.message}`);
      sendError(req, res, {
        status: 502,
        code: 'ServiceUnavailable',
        message: `The local ${route.service} endpoint (${route.target}) did not answer: ${error.message}`,
      });
    });
    // A client that goes away takes the upstream request with it.
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  });
  server.keepAliveTimeout = 5000;
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(
              `The edge port ${options.port} is in use (another local cloud, or another program). Stop it, or ` +
                `set ${EDGE_PORT_VARIABLE} to another port (0 picks a free one).`,
            )
          : error,
      );
    });
    server.listen(options.port, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        port,
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
