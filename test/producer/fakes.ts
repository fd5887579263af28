import type { PutRecordsCommandInput, PutRecordsResultEntry } from '@aws-sdk/client-kinesis';
import type { Clock } from '../../producer';

/** A clock that only moves when slept on (or told to), so rate tests take no wall time. */
export class FakeClock implements Clock {
  readonly sleeps: number[] = [];
  constructor(public t = Date.UTC(2026, 0, 1)) {}
  now(): number {
    return this.t;
  }
  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.t += ms;
  }
}

let sequence = 0;
/** A PutRecords answer that accepts every entry of the request. */
export function acceptAll(input: PutRecordsCommandInput): {
  Records: PutRecordsResultEntry[];
  FailedRecordCount: number;
} {
  return {
    FailedRecordCount: 0,
    Records: (input.Records ?? []).map(() => ({
      ShardId: 'shardId-000000000000',
      SequenceNumber: String(++sequence),
    })),
  };
}

/** Decodes the ticks of one PutRecords request. */
export function decodeEntries(
  input: PutRecordsCommandInput,
): Array<{ key: string; tick: Record<string, unknown> }> {
  return (input.Records ?? []).map((r) => ({
    key: r.PartitionKey ?? '',
    tick: JSON.parse(Buffer.from(r.Data ?? new Uint8Array()).toString('utf8')) as Record<string, unknown>,
  }));
}
