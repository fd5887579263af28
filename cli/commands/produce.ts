import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { ProduceOptions, ProduceResult } from '../../producer';
import { UsageError } from '../errors';
import type { CliIo } from '../io';

export interface ProduceCommandOptions {
  stream?: string;
  streamArn?: string;
  rate?: number;
  count?: number;
  duration?: number;
  seed?: number;
  local?: boolean;
  json?: boolean;
}

export interface ProduceCommandDeps {
  useLocalCloud(): Promise<void>;
  kinesis(): Pick<KinesisClient, 'send'>;
  produce(options: ProduceOptions, deps: { kinesis: Pick<KinesisClient, 'send'> }): Promise<ProduceResult>;
}

/** `flinkflow produce`: put seeded sample ticks on a stream at a rate, for a count or a duration. */
export async function produceCommand(
  options: ProduceCommandOptions,
  io: CliIo,
  deps: ProduceCommandDeps,
): Promise<number> {
  if (!options.stream === !options.streamArn) {
    throw new UsageError('Name the stream: --stream <name> or --stream-arn <arn> (one of them).');
  }
  if (options.count === undefined && options.duration === undefined) {
    throw new UsageError(
      'Bound the run: --count <n> events, --duration <seconds>, or both (whichever comes first).',
    );
  }
  if (options.local) await deps.useLocalCloud();
  let lastReport = io.now();
  let delivered = 0;
  const result = await deps.produce(
    {
      ...(options.stream ? { streamName: options.stream } : {}),
      ...(options.streamArn ? { streamArn: options.streamArn } : {}),
      ...(options.count !== undefined ? { count: options.count } : {}),
      ...(options.duration !== undefined ? { durationMs: options.duration * 1000 } : {}),
      ...(options.rate !== undefined ? { ratePerSecond: options.rate } : {}),
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
      signal: io.signal,
      onDelivered: (records) => {
        delivered += records.length;
        if (io.now() - lastReport >= 1000) {
          lastReport = io.now();
          io.err(`  ${delivered} events delivered`);
        }
      },
    },
    { kinesis: deps.kinesis() },
  );
  if (options.json) {
    io.out(JSON.stringify(result, null, 2));
  } else {
    const perTicker = Object.entries(result.deliveredByTicker)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([t, n]) => `${t} ${n}`)
      .join(', ');
    io.out(
      `Delivered ${result.delivered} events in ${result.requests} PutRecords calls over ${(result.elapsedMs / 1000).toFixed(1)} s ` +
        `(${Math.round(result.recordsPerSecond)}/s, ${result.retriedRecords} retried; stopped by ${result.stoppedBy}; seed ${result.seed}).\n  ${perTicker}`,
    );
  }
  return result.stoppedBy === 'signal' ? 130 : 0;
}
