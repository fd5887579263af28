import {
  BatchBuilder,
  KINESIS_LIMITS,
  RecordTooLargeError,
  entrySize,
  splitIntoBatches,
} from '../../producer';

const entry = (bytes: number, key = 'AAPL') => ({ Data: new Uint8Array(bytes), PartitionKey: key });

describe('splitIntoBatches', () => {
  it('It should put at most 500 records in a request and keep their order', () => {
    // Prepare
    const entries = Array.from({ length: 1201 }, (_, i) => entry(10, `k${i}`));

    // Act
    const batches = splitIntoBatches(entries);

    // Assess
    expect(batches.map((b) => b.length)).toEqual([500, 500, 201]);
    expect(batches.flat().map((e) => e.PartitionKey)).toEqual(entries.map((e) => e.PartitionKey));
  });

  it('It should start a new request before the 5 MiB request limit, counting partition keys', () => {
    // Prepare: 600 KiB records, 8 of them fit in 5 MiB, a 9th would not.
    const entries = Array.from({ length: 20 }, () => entry(600 * 1024));

    // Act
    const batches = splitIntoBatches(entries);

    // Assess
    expect(batches.map((b) => b.length)).toEqual([8, 8, 4]);
    for (const batch of batches) {
      expect(batch.reduce((sum, e) => sum + entrySize(e), 0)).toBeLessThanOrEqual(
        KINESIS_LIMITS.maxRequestBytes,
      );
    }
  });

  it('It should count the partition key against the 1 MiB record limit', () => {
    // Prepare: data exactly 1 MiB leaves no room for the key.
    const tooBig = entry(KINESIS_LIMITS.maxRecordBytes, 'AAPL');
    const fits = entry(KINESIS_LIMITS.maxRecordBytes - 4, 'AAPL');

    // Act / Assess
    expect(() => splitIntoBatches([tooBig])).toThrow(RecordTooLargeError);
    expect(splitIntoBatches([fits])).toHaveLength(1);
  });
});

describe('BatchBuilder', () => {
  it('It should refuse an entry once the batch is full and report its byte size', () => {
    // Prepare
    const builder = new BatchBuilder<number>({
      maxRecordsPerRequest: 2,
      maxRecordBytes: 100,
      maxRequestBytes: 1000,
    });

    // Act
    const added = [
      builder.tryAdd(entry(10, 'A'), 1),
      builder.tryAdd(entry(10, 'B'), 2),
      builder.tryAdd(entry(10, 'C'), 3),
    ];

    // Assess
    expect(added).toEqual([true, true, false]);
    expect(builder.byteSize).toBe(22);
    expect(builder.drain().map((x) => x.item)).toEqual([1, 2]);
    expect(builder.size).toBe(0);
  });
});
