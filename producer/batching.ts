import type { PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';

/**
 * The PutRecords limits from the Kinesis API reference: at most 500 records per request, each record
 * (data + partition key) at most 1 MiB, the whole request (data + partition keys) at most 5 MiB.
 */
export const KINESIS_LIMITS = {
  maxRecordsPerRequest: 500,
  maxRecordBytes: 1024 * 1024,
  maxRequestBytes: 5 * 1024 * 1024,
  maxPartitionKeyLength: 256,
} as const;

/** The limits a batch is built within; tests may pass smaller ones. */
export interface BatchLimits {
  maxRecordsPerRequest: number;
  maxRecordBytes: number;
  maxRequestBytes: number;
}

/** The bytes an entry counts against the limits: its data plus its partition key (UTF-8). */
export function entrySize(entry: PutRecordsRequestEntry): number {
  return (entry.Data?.byteLength ?? 0) + Buffer.byteLength(entry.PartitionKey ?? '', 'utf8');
}

/** An entry that can never be sent, whatever the batch. */
export class RecordTooLargeError extends Error {
  constructor(size: number, limit: number) {
    super(`A record of ${size} bytes (data + partition key) exceeds the Kinesis limit of ${limit} bytes.`);
    this.name = 'RecordTooLargeError';
  }
}

/** Collects entries for one PutRecords request without crossing any limit. */
export class BatchBuilder<T> {
  private readonly items: Array<{ entry: PutRecordsRequestEntry; item: T }> = [];
  private bytes = 0;

  constructor(private readonly limits: BatchLimits = KINESIS_LIMITS) {}

  get size(): number {
    return this.items.length;
  }

  get byteSize(): number {
    return this.bytes;
  }

  get isFull(): boolean {
    return this.items.length >= this.limits.maxRecordsPerRequest;
  }

  /**
   * Adds the entry if it fits; returns false when it would cross the count or byte limit (start a new
   * batch with it). Throws RecordTooLargeError for an entry no batch can hold.
   */
  tryAdd(entry: PutRecordsRequestEntry, item: T): boolean {
    const size = entrySize(entry);
    if (size > this.limits.maxRecordBytes) throw new RecordTooLargeError(size, this.limits.maxRecordBytes);
    if (this.isFull || this.bytes + size > this.limits.maxRequestBytes) return false;
    this.items.push({ entry, item });
    this.bytes += size;
    return true;
  }

  /** The entries in insertion order, each with the item it was added with. */
  drain(): Array<{ entry: PutRecordsRequestEntry; item: T }> {
    return this.items.splice(0, this.items.length);
  }
}

/** Splits entries into consecutive requests that respect the limits (order kept). */
export function splitIntoBatches(
  entries: readonly PutRecordsRequestEntry[],
  limits: BatchLimits = KINESIS_LIMITS,
): PutRecordsRequestEntry[][] {
  const batches: PutRecordsRequestEntry[][] = [];
  let builder = new BatchBuilder<null>(limits);
  for (const entry of entries) {
    if (!builder.tryAdd(entry, null)) {
      batches.push(builder.drain().map((x) => x.entry));
      builder = new BatchBuilder<null>(limits);
      builder.tryAdd(entry, null);
    }
  }
  if (builder.size > 0) batches.push(builder.drain().map((x) => x.entry));
  return batches;
}
