import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { committedFilesByTicker, parseS3Location, waitForOutput } from '../../cli/local-run/output';

const s3Mock = mockClient(S3Client);
const s3 = new S3Client({ region: 'us-east-1' });

beforeEach(() => s3Mock.reset());

describe('committedFilesByTicker', () => {
  it('It should count only committed data files, not in-progress files or success markers', () => {
    // Act
    const files = committedFilesByTicker([
      'output/ticker=AAPL/part-1-0.csv',
      'output/ticker=AAPL/.part-1-1.csv.inprogress.8d1a',
      'output/ticker=AAPL/_SUCCESS',
      'output/ticker=MSFT/dt=2026-11-25/hr=12/part-2-0.csv',
      'output/ticker=TBV/.part-3-0.inprogress',
      'output/unrelated.csv',
    ]);

    // Assess
    expect(files).toEqual({
      AAPL: ['output/ticker=AAPL/part-1-0.csv'],
      MSFT: ['output/ticker=MSFT/dt=2026-11-25/hr=12/part-2-0.csv'],
    });
  });
});

describe('waitForOutput', () => {
  it('It should poll until every ticker has a committed file', async () => {
    // Prepare
    s3Mock
      .on(ListObjectsV2Command)
      .resolvesOnce({ Contents: [{ Key: 'output/ticker=AAPL/.part-0.inprogress' }] })
      .resolves({ Contents: [{ Key: 'output/ticker=AAPL/part-0' }, { Key: 'output/ticker=MSFT/part-0' }] });
    let t = 0;
    const poller = { now: () => t, sleep: async (ms: number) => void (t += ms) };

    // Act
    const files = await waitForOutput(s3, { bucket: 'b', prefix: 'output/' }, ['AAPL', 'MSFT'], poller, {
      pollMs: 1000,
    });

    // Assess
    expect(Object.keys(files).sort()).toEqual(['AAPL', 'MSFT']);
    expect(t).toBe(1000);
    expect(s3Mock).toHaveReceivedCommandWith(ListObjectsV2Command, { Bucket: 'b', Prefix: 'output/' });
  });

  it('It should give up after the timeout naming the tickers with no output', async () => {
    // Prepare
    s3Mock.on(ListObjectsV2Command).resolves({ Contents: [{ Key: 'output/ticker=AAPL/part-0' }] });
    let t = 0;
    const poller = { now: () => t, sleep: async (ms: number) => void (t += ms) };

    // Act
    const wait = waitForOutput(s3, { bucket: 'b', prefix: 'output/' }, ['AAPL', 'INTC', 'TBV'], poller, {
      pollMs: 1000,
      timeoutMs: 5000,
    });

    // Assess
    await expect(wait).rejects.toThrow('No committed output for INTC, TBV under s3://b/output/ in time.');
  });
});

describe('parseS3Location', () => {
  it('It should split an s3 URI and reject anything else', () => {
    // Act / Assess
    expect(parseS3Location('s3://bucket/output/')).toEqual({ bucket: 'bucket', prefix: 'output/' });
    expect(() => parseS3Location('/tmp/output')).toThrow('/tmp/output is not an s3:// location.');
  });
});
