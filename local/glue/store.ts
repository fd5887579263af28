/**
 * The local Glue Data Catalog and crawler registry, in memory. Glue folds database and table names to
 * lower case; the store's keys are the folded names.
 */
import type {
  Crawler,
  CrawlerMetrics,
  CsvClassifier,
  Database,
  Partition,
  Table,
} from '@aws-sdk/client-glue';

export interface TableRecord {
  table: Table;
  /** Keyed by the partition values joined with U+0001. */
  partitions: Map<string, Partition>;
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

export class GlueStore {
  readonly databases = new Map<string, DatabaseRecord>();
  readonly crawlers = new Map<string, CrawlerRecord>();
  /** Custom CSV classifiers by name (names are case-sensitive, as crawler names are). */
  readonly classifiers = new Map<string, CsvClassifier>();
}

export const partitionKey = (values: readonly string[]): string => values.join('\u0001');
export const foldName = (name: string): string => name.toLowerCase();
