/**
 * The edge endpoint's routing (by the SigV4 credential scope's service) and its pass-through: bodies
 * stream both ways, headers and status come back as the service sent them, and a request for a service
 * the local cloud does not serve gets an AWS-shaped error. The "services" here are small loopback servers.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  DEFAULT_EDGE_PORT,
  edgePortFrom,
  routeRequest,
  signingNameOf,
  startEdge,
  type RunningEdge,
} from '../../local/edge';

const scope = (service: string) =>
  `AWS4-HMAC-SHA256 Credential=local/20261201/us-east-1/${service}/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc`;

describe('edge routing', () => {
  const endpoints = {
    kinesis: 'http://127.0.0.1:1001',
    s3: 'http://127.0.0.1:1002',
    kinesisanalyticsv2: 'http://127.0.0.1:1003',
    states: 'http://127.0.0.1:1004',
    cloudwatch: 'http://127.0.0.1:1005',
  };

  it.each([
    ['kinesis', 'kinesis', endpoints.kinesis],
    ['s3', 's3', endpoints.s3],
    ['states', 'states', endpoints.states],
    // Managed Flink signs as kinesisanalytics, CloudWatch metrics as monitoring.
    ['kinesisanalytics', 'kinesisanalyticsv2', endpoints.kinesisanalyticsv2],
    ['monitoring', 'cloudwatch', endpoints.cloudwatch],
  ])('It should send a request signed for %s to the %s endpoint', (signingName, service, target) => {
    // Act
    const route = routeRequest({ authorization: scope(signingName) }, '/', endpoints);

    // Assess
    expect(route).toEqual({ service, target });
  });

  it('It should read the scope of a presigned URL from X-Amz-Credential', () => {
    // Act
    const name = signingNameOf(
      {},
      '/bucket/key?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=local%2F20261201%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Signature=x',
    );

    // Assess
    expect(name).toBe('s3');
  });

  it('It should name the unknown service and list the served ones', () => {
    // Act
    const route = routeRequest({ authorization: scope('dynamodb') }, '/', endpoints);

    // Assess
    expect(route).toEqual({
      error: {
        status: 400,
        code: 'UnknownServiceException',
        message: expect.stringContaining(
          "does not serve 'dynamodb' (the service in the request's SigV4 credential scope). It serves: cloudwatch, kinesis, kinesisanalyticsv2, s3, states.",
        ),
      },
    });
  });

  it('It should refuse an unsigned request and say how to sign it', () => {
    // Act
    const route = routeRequest({ authorization: 'Bearer x' }, '/', endpoints);

    // Assess
    expect(route).toMatchObject({ error: { status: 403, code: 'MissingAuthenticationToken' } });
  });

  it('It should take its port from FLINKFLOW_EDGE_PORT, default to the documented one, and refuse a bad value', () => {
    // Act / Assess
    expect(edgePortFrom({})).toBe(DEFAULT_EDGE_PORT);
    expect(DEFAULT_EDGE_PORT).toBe(4588);
    expect(edgePortFrom({ FLINKFLOW_EDGE_PORT: '0' })).toBe(0);
    expect(edgePortFrom({ FLINKFLOW_EDGE_PORT: '4700' })).toBe(4700);
    expect(() => edgePortFrom({ FLINKFLOW_EDGE_PORT: 'edge' })).toThrow(
      'FLINKFLOW_EDGE_PORT=edge is not a port: use 0-65535 (0 picks a free port).',
    );
  });
});

describe('edge pass-through', () => {
  let service: http.Server;
  let edge: RunningEdge;
  /** What the service saw of each request: method, url, host, content length and the first chunk's time. */
  const seen: {
    method: string | undefined;
    url: string | undefined;
    host: string | undefined;
    bytes: number;
    firstChunkAt: number;
  }[] = [];
  let serviceUrl = '';

  beforeAll(async () => {
    service = http.createServer((req, res) => {
      const record = { method: req.method, url: req.url, host: req.headers.host, bytes: 0, firstChunkAt: 0 };
      seen.push(record);
      req.on('data', (chunk: Buffer) => {
        record.firstChunkAt ||= Date.now();
        record.bytes += chunk.length;
      });
      req.on('end', () => {
        if (req.url === '/download') {
          // Streamed back in pieces, without a content length.
          res.writeHead(200, { 'x-amz-request-id': 'r1', etag: '"abc"' });
          let sent = 0;
          const timer = setInterval(() => {
            res.write(Buffer.alloc(64 * 1024, 1));
            if (++sent === 16) {
              clearInterval(timer);
              res.end();
            }
          }, 5);
          return;
        }
        res.writeHead(201, { 'content-type': 'application/xml', 'x-amz-version-id': 'v1' });
        res.end(`<received>${record.bytes}</received>`);
      });
    });
    await new Promise<void>((resolve) => service.listen(0, '127.0.0.1', resolve));
    serviceUrl = `http://127.0.0.1:${(service.address() as AddressInfo).port}`;
    edge = await startEdge({ port: 0, endpoints: () => ({ s3: serviceUrl }) });
  });

  afterAll(async () => {
    await edge.close();
    await new Promise((resolve) => service.close(resolve));
  });

  it('It should stream a chunked upload to the service before the client has sent all of it', async () => {
    // Prepare
    const chunks = 8;
    const chunk = Buffer.alloc(256 * 1024, 7);
    let lastChunkAt = 0;

    // Act
    const answer = await new Promise<{ status: number; body: string; version: string | undefined }>(
      (resolve, reject) => {
        const req = http.request(`${edge.url}/bucket/key`, {
          method: 'PUT',
          headers: { authorization: scope('s3'), 'transfer-encoding': 'chunked' },
        });
        req.on('response', (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              body,
              version: res.headers['x-amz-version-id'] as string | undefined,
            }),
          );
        });
        req.on('error', reject);
        let written = 0;
        const timer = setInterval(() => {
          req.write(chunk);
          if (++written === chunks) {
            clearInterval(timer);
            lastChunkAt = Date.now();
            req.end();
          }
        }, 20);
      },
    );

    // Assess
    const received = seen.at(-1);
    expect(answer).toEqual({
      status: 201,
      body: `<received>${chunks * chunk.length}</received>`,
      version: 'v1',
    });
    expect(received).toMatchObject({ method: 'PUT', url: '/bucket/key', host: edge.url.slice(7) });
    // The service had the first bytes while the client was still writing: nothing waited for the whole body.
    expect(received?.firstChunkAt).toBeLessThan(lastChunkAt);
  });

  it('It should stream a response back with its headers', async () => {
    // Act
    const response = await fetch(`${edge.url}/download`, { headers: { authorization: scope('s3') } });
    const body = Buffer.from(await response.arrayBuffer());

    // Assess
    expect(response.status).toBe(200);
    expect(response.headers.get('etag')).toBe('"abc"');
    expect(response.headers.get('x-amz-request-id')).toBe('r1');
    expect(body.length).toBe(16 * 64 * 1024);
  });

  it('It should answer an unknown service with a JSON error for JSON clients and XML for the others', async () => {
    // Act
    const json = await fetch(edge.url, {
      method: 'POST',
      headers: {
        authorization: scope('dynamodb'),
        'x-amz-target': 'DynamoDB_20120810.ListTables',
        'content-type': 'application/x-amz-json-1.0',
      },
      body: '{}',
    });
    const xml = await fetch(`${edge.url}/?Action=ListQueues`, { headers: { authorization: scope('sqs') } });

    // Assess
    expect(json.status).toBe(400);
    expect(json.headers.get('x-amzn-errortype')).toBe('UnknownServiceException');
    expect(await json.json()).toEqual({
      __type: 'UnknownServiceException',
      message: expect.stringContaining("The local cloud does not serve 'dynamodb'"),
    });
    expect(xml.status).toBe(400);
    expect(await xml.text()).toMatch(
      /<Code>UnknownServiceException<\/Code><Message>The local cloud does not serve &#39;sqs&#39;/,
    );
  });

  it('It should say which service did not answer when its endpoint is down', async () => {
    // Prepare
    const down = await startEdge({ port: 0, endpoints: () => ({ glue: 'http://127.0.0.1:1' }) });

    // Act
    const response = await fetch(down.url, {
      method: 'POST',
      headers: { authorization: scope('glue'), 'x-amz-target': 'AWSGlue.GetDatabases' },
      body: '{}',
    });
    await down.close();

    // Assess
    expect(response.status).toBe(502);
    expect(((await response.json()) as { message: string }).message).toContain(
      'The local glue endpoint (http://127.0.0.1:1) did not answer',
    );
  });
});
