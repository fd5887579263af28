/**
 * The local Glue Data Catalog and crawler registry. Glue folds database and table names to lower case;
 * the store's keys are the folded names. It lives in memory and is kept under `<dataDir>/glue/`, loaded
 * when the service is created and saved after every change (the provider calls save() after each API
 * call that changes something and at each step of a crawl): `catalog.json` holds databases, tables,
 * crawlers and classifiers and is rewritten whole; each table's partitions are in a file of their own,
 * `partitions/<database>/<table>.json`, rewritten only when that table's partitions changed, since a
 * table can have thousands (docs/local-cloud.md, "What survives `local down`", has the numbers).
 */
import type {
  Crawler,
  CrawlerMetrics,
  CsvClassifier,
  Database,
  Partition,
  Table,
} from '@aws-sdk/client-glue';
import path from 'node:path';
import fs from 'node:fs';
import {
  isArrayMember,
  isObjectMember,
  readStoreFile,
  storeFilesIn,
  writeStoreFile,
  type StoreFileSpec,
} from '../common/json-file';
import { nameSegment } from '../common/paths';

/** A table's partitions, keyed by partitionKey(values); it knows whether it changed since it was saved. */
export class PartitionMap extends Map<string, Partition> {
  /** Changed since the store last wrote it (a new map has not been written yet). */
  changed = true;
  override set(key: string, value: Partition): this {
    this.changed = true;
    return super.set(key, value);
  }
  override delete(key: string): boolean {
    const deleted = super.delete(key);
    if (deleted) this.changed = true;
    return deleted;
  }
  override clear(): void {
    this.changed = true;
    super.clear();
  }
}

export interface TableRecord {
  table: Table;
  /** Keyed by the partition values joined with U+0001. */
  partitions: PartitionMap;
}

export interface DatabaseRecord {
  database: Database;
  tables: Map<string, TableRecord>;
}

export interface CrawlerRecord {
  crawler: Crawler;
  metrics: CrawlerMetrics;
  /** Set by StopCrawler; the running crawl checks it and leaves the catalog untouched. */
  cancelRequested: boolean;
  /** Settles when the current crawl has returned to READY. */
  running?: Promise<void>;
}

/** catalog.json: the maps as lists, without partitions and without what only a running crawl has. */
interface CatalogFile {
  databases: { database: Database; tables: Table[] }[];
  crawlers: { crawler: Crawler; metrics: CrawlerMetrics }[];
  classifiers: CsvClassifier[];
}

/** partitions/<database>/<table>.json. */
interface PartitionsFile {
  table: { DatabaseName: string; Name: string };
  partitions: Partition[];
}

const FORMAT_VERSION = 1;
const PARTITIONS_SPEC: StoreFileSpec = {
  what: 'The local Glue partition store',
  formatVersion: FORMAT_VERSION,
  freshStart: "to drop this table's partitions (a crawl finds them again)",
  check: (payload) => isObjectMember(payload, 'table') ?? isArrayMember(payload, 'partitions'),
};
const SPEC: StoreFileSpec = {
  what: 'The local Glue catalog store',
  formatVersion: FORMAT_VERSION,
  freshStart: 'to start with an empty catalog and no crawlers',
  check: (payload) =>
    isArrayMember(payload, 'databases') ??
    isArrayMember(payload, 'crawlers') ??
    isArrayMember(payload, 'classifiers'),
};

/** What LastCrawl says of a crawl the local cloud's stop cut short. */
export const CRAWL_CUT_SHORT =
  'The local cloud stopped while the crawler ran; the catalog keeps what earlier crawls wrote. Start the crawler again.';

export class GlueStore {
  readonly databases = new Map<string, DatabaseRecord>();
  readonly crawlers = new Map<string, CrawlerRecord>();
  /** Custom CSV classifiers by name (names are case-sensitive, as crawler names are). */
  readonly classifiers = new Map<string, CsvClassifier>();
  /** The catalog file; undefined keeps the store in memory only. */
  readonly file: string | undefined;
  private readonly partitionsDir: string | undefined;
  /** The partition files on disk: a table deleted since has its file removed by the next save. */
  private readonly partitionFiles = new Set<string>();

  constructor(dataDir?: string) {
    this.file = dataDir === undefined ? undefined : storeFileOf(dataDir);
    this.partitionsDir = dataDir === undefined ? undefined : path.join(dataDir, 'glue', 'partitions');
  }

  private partitionsFileOf(databaseName: string, tableName: string): string {
    return path.join(
      this.partitionsDir as string,
      nameSegment(databaseName),
      `${nameSegment(tableName)}.json`,
    );
  }

  /**
   * Loads the store files, if there are any. A crawl the file shows running was cut short by a stop that
   * could not end it (the process was killed): the crawler is READY again and its LastCrawl FAILED.
   */
  load(now = new Date()): void {
    if (this.file === undefined || this.partitionsDir === undefined) return;
    const stored = readStoreFile<CatalogFile>(this.file, SPEC);
    if (!stored) return;
    for (const { database, tables } of stored.databases) {
      const record: DatabaseRecord = { database, tables: new Map() };
      for (const table of tables) {
        const file = this.partitionsFileOf(database.Name as string, table.Name as string);
        const partitions = new PartitionMap(
          (readStoreFile<PartitionsFile>(file, PARTITIONS_SPEC)?.partitions ?? []).map((p) => [
            partitionKey(p.Values as string[]),
            p,
          ]),
        );
        partitions.changed = false;
        record.tables.set(foldName(table.Name as string), { table, partitions });
      }
      this.databases.set(foldName(database.Name as string), record);
    }
    // Files of tables the catalog no longer has (a crash between the two writes) go at the next save.
    for (const folder of fs.existsSync(this.partitionsDir) ? fs.readdirSync(this.partitionsDir) : [])
      for (const file of storeFilesIn(path.join(this.partitionsDir, folder))) this.partitionFiles.add(file);
    for (const { crawler, metrics } of stored.crawlers) {
      if (crawler.State !== 'READY') {
        crawler.LastCrawl = {
          ...crawler.LastCrawl,
          Status: 'FAILED',
          ErrorMessage: CRAWL_CUT_SHORT,
          StartTime: crawler.LastCrawl?.StartTime ?? now,
        };
        crawler.State = 'READY';
        crawler.CrawlElapsedTime = 0;
        metrics.StillEstimating = false;
        metrics.TimeLeftSeconds = 0;
      }
      this.crawlers.set(crawler.Name as string, { crawler, metrics, cancelRequested: false });
    }
    for (const classifier of stored.classifiers) this.classifiers.set(classifier.Name as string, classifier);
  }

  /**
   * Writes the changed partition files, then the catalog, then removes the partition files of tables that
   * are gone; each file atomically.
   */
  save(): void {
    if (this.file === undefined) return;
    const current = new Set<string>();
    for (const { database, tables } of this.databases.values()) {
      for (const { table, partitions } of tables.values()) {
        const file = this.partitionsFileOf(database.Name as string, table.Name as string);
        current.add(file);
        if (!partitions.changed && this.partitionFiles.has(file)) continue;
        const payload: PartitionsFile = {
          table: { DatabaseName: database.Name as string, Name: table.Name as string },
          partitions: [...partitions.values()],
        };
        writeStoreFile(file, FORMAT_VERSION, payload);
        this.partitionFiles.add(file);
        partitions.changed = false;
      }
    }
    const payload: CatalogFile = {
      databases: [...this.databases.values()].map(({ database, tables }) => ({
        database,
        tables: [...tables.values()].map(({ table }) => table),
      })),
      crawlers: [...this.crawlers.values()].map(({ crawler, metrics }) => ({ crawler, metrics })),
      classifiers: [...this.classifiers.values()],
    };
    writeStoreFile(this.file, FORMAT_VERSION, payload);
    for (const file of this.partitionFiles) {
      if (current.has(file)) continue;
      fs.rmSync(file, { force: true });
      this.partitionFiles.delete(file);
    }
  }
}

/** The Glue store file under a service's data folder. */
export const storeFileOf = (dataDir: string): string => path.join(dataDir, 'glue', 'catalog.json');

export const partitionKey = (values: readonly string[]): string => values.join('\u0001');
export const foldName = (name: string): string => name.toLowerCase();
