/**
 * What keeping the local Glue catalog on disk costs (local/glue/store.ts): for one table of N partitions
 * shaped as the crawler writes the sink's (ticker/dt/hr folders, a CSV storage descriptor each), the time
 * to rewrite its partitions file, to save a change that leaves partitions alone, and to load the store.
 *
 *   tsx bench/local/glue-store.ts               # 720 (30 days hourly), 5,000 and 20,000 partitions
 *   tsx bench/local/glue-store.ts 7200          # other sizes
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Column, Partition } from '@aws-sdk/client-glue';
import { GlueStore, PartitionMap, partitionKey } from '../../local/glue/store';

const RUNS = 5;
const columns: Column[] = [
  { Name: 'window_end', Type: 'string' },
  { Name: 'avg_price', Type: 'double' },
  { Name: 'event_count', Type: 'bigint' },
  { Name: 'window_start', Type: 'string' },
];

function partition(i: number): Partition {
  const values = [
    `T${i % 10}`,
    `2024-01-${String(1 + (Math.floor(i / 240) % 28)).padStart(2, '0')}`,
    String(i % 24),
  ];
  return {
    Values: values,
    DatabaseName: 'db',
    TableName: 'ticks',
    CreationTime: new Date(),
    LastAccessTime: new Date(),
    StorageDescriptor: {
      Columns: columns,
      Location: `s3://bucket/output/ticker=${values[0]}/dt=${values[1]}/hr=${values[2]}/`,
      InputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
      OutputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
      SerdeInfo: {
        SerializationLibrary: 'org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe',
        Parameters: { 'field.delim': ',' },
      },
      Parameters: { classification: 'csv', recordCount: '100', sizeKey: '4000', objectCount: '12' },
    },
    Parameters: {},
    CatalogId: '000000000000',
  };
}

const ms = (since: bigint) => Number(process.hrtime.bigint() - since) / 1e6;

function measure(count: number): void {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flinkflow-glue-store-bench-'));
  try {
    const store = new GlueStore(dataDir);
    const partitions = new PartitionMap();
    // Distinct keys even where the generated values repeat (above 6,720 partitions).
    for (let i = 0; i < count; i++)
      partitions.set(`${partitionKey(partition(i).Values ?? [])}#${i}`, partition(i));
    store.databases.set('db', {
      database: { Name: 'db' },
      tables: new Map([['ticks', { table: { Name: 'ticks', DatabaseName: 'db' }, partitions }]]),
    });
    let started = process.hrtime.bigint();
    for (let run = 0; run < RUNS; run++) {
      partitions.changed = true;
      store.save();
    }
    const withPartitions = ms(started) / RUNS;
    started = process.hrtime.bigint();
    for (let run = 0; run < RUNS; run++) store.save();
    const catalogOnly = ms(started) / RUNS;
    started = process.hrtime.bigint();
    new GlueStore(dataDir).load();
    const load = ms(started);
    const size = fs.statSync(path.join(dataDir, 'glue', 'partitions', 'db', 'ticks.json')).size;
    console.log(
      `${count} partitions: file ${(size / 1e6).toFixed(1)} MB; save with partitions ${withPartitions.toFixed(1)} ms, ` +
        `without ${catalogOnly.toFixed(2)} ms; load ${load.toFixed(1)} ms; ` +
        `made by BatchCreatePartition (100 a call, the file growing) ~${(((count / 100) * withPartitions) / 2 / 1000).toFixed(2)} s of saves`,
    );
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

const sizes = process.argv.slice(2).map(Number);
for (const count of sizes.length > 0 ? sizes : [720, 5000, 20000]) {
  if (!Number.isInteger(count) || count < 1)
    throw new Error(`A partition count is a positive integer; got ${count}.`);
  measure(count);
}
