/**
 * flinkflow's local Amazon Athena endpoint (JSON 1.1, target prefix `AmazonAthena`): workgroups and query
 * executions. Queries run one at a time on embedded DuckDB over the local Glue catalog (engine.ts);
 * results are written to the output location in the local S3 as `<QueryExecutionId>.csv`, as Athena
 * writes them, and served by GetQueryResults with the header row first.
 */
import type { QueryExecution, WorkGroup } from '@aws-sdk/client-athena';
import type { DuckDBConnection } from '@duckdb/node-api';
import path from 'node:path';
import type * as AthenaApi from '@aws-sdk/client-athena';
import { athenaErrors } from '../common/errors';
import { savingAfterChanges } from '../common/json-file';
import type { LocalJsonService, ProviderOf } from '../common/provider';
import { localS3Client, parseS3Uri, putObject, readObject } from '../common/s3';
import { byName, paginate, reader, toWire, type JsonObject } from '../common/validation';
import type { GlueStore } from '../glue/store';
import { QueryFailedError, runQuery, type ColumnResult, type QueryResult } from './engine';
import { AthenaStore, cutShort, parseResultCsv } from './store';

const read = reader('InvalidRequestException');
const { invalidRequest } = athenaErrors;

/** StartQueryExecution's QueryString: 1 to 262,144 characters (API reference). */
const MAX_QUERY_LENGTH = 262_144;

/** Athena refuses a per-query cutoff below 10 MB. */
const MIN_BYTES_SCANNED_CUTOFF = 10_000_000;

export interface AthenaServiceOptions {
  s3Endpoint: string;
  region: string;
  account: string;
  glue: GlueStore;
  /**
   * Workgroups and query executions are kept under `<dataDir>/athena` (store.ts) and loaded from there.
   * Downloaded table files are cached under `<dataDir>/athena/cache`: only a cache, each file checked
   * against its object's version before use.
   */
  dataDir: string;
  log?: (line: string) => void;
  /** How long a query stays QUEUED before it runs (pollers see Athena's states). */
  queuedMs?: number;
  /** A query stays RUNNING at least this long (tests that follow every state set it). */
  minRunningMs?: number;
}

export type AthenaService = LocalJsonService<AthenaProvider>;

interface ExecutionRecord {
  execution: QueryExecution;
  clientRequestToken?: string;
  /** The result of a query this session ran; one of an earlier session is read from its CSV in S3. */
  result?: QueryResult;
  /** The result's columns, kept with the execution for GetQueryResults after a restart. */
  columns?: ColumnResult[];
  connection?: DuckDBConnection;
  cancelled: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function csvField(value: string | null): string {
  // Athena quotes every value and leaves NULL empty.
  return value === null ? '' : `"${value.replace(/"/g, '""')}"`;
}

/** Creates the Athena provider (with its `primary` workgroup). */
/** The operations the local endpoint implements, typed by @aws-sdk/client-athena. */
export type AthenaProvider = ProviderOf<typeof AthenaApi>;

export function createAthenaService(options: AthenaServiceOptions): AthenaService {
  const s3 = localS3Client(options.s3Endpoint, options.region);
  const log = options.log ?? (() => undefined);
  const queuedMs = options.queuedMs ?? 100;
  const minRunningMs = options.minRunningMs ?? 0;
  const store = new AthenaStore(options.dataDir);
  const workGroups = new Map<string, WorkGroup>();
  const executions = new Map<string, ExecutionRecord>();
  let queue: Promise<void> = Promise.resolve();
  const saveExecution = (record: ExecutionRecord) => store.saveExecution(record);
  const saveWorkGroups = () => store.saveWorkGroups([...workGroups.values()]);

  for (const group of store.loadWorkGroups()) workGroups.set(group.Name as string, group);
  for (const stored of store.loadExecutions())
    executions.set(stored.execution.QueryExecutionId as string, { ...stored, cancelled: false });
  if (!workGroups.has('primary'))
    workGroups.set('primary', {
      Name: 'primary',
      State: 'ENABLED',
      Configuration: {
        EnforceWorkGroupConfiguration: false,
        PublishCloudWatchMetricsEnabled: false,
        RequesterPaysEnabled: false,
        EngineVersion: { SelectedEngineVersion: 'AUTO', EffectiveEngineVersion: 'Athena engine version 3' },
      },
      Description: '',
      CreationTime: new Date(),
    });

  const workGroup = (name: string): WorkGroup => {
    const found = workGroups.get(name);
    if (!found) throw invalidRequest(`WorkGroup ${name} is not found.`);
    return found;
  };
  const execution = (id: string): ExecutionRecord => {
    const found = executions.get(id);
    if (!found) throw invalidRequest(`QueryExecution ${id} was not found`);
    return found;
  };

  const workGroupConfiguration = (input: JsonObject | undefined, existing?: WorkGroup['Configuration']) => {
    const cutoff = input?.['BytesScannedCutoffPerQuery'];
    if (cutoff !== undefined && (typeof cutoff !== 'number' || cutoff < MIN_BYTES_SCANNED_CUTOFF)) {
      throw invalidRequest(
        `BytesScannedCutoffPerQuery must be at least ${MIN_BYTES_SCANNED_CUTOFF} bytes (10 MB); got ${JSON.stringify(cutoff)}.`,
      );
    }
    const location = (input?.['ResultConfiguration'] as JsonObject | undefined)?.['OutputLocation'];
    if (location !== undefined && (typeof location !== 'string' || !/^s3:\/\/[^/]+/.test(location))) {
      throw invalidRequest(`OutputLocation ${JSON.stringify(location)} is not an s3://bucket/prefix URI.`);
    }
    return {
      EnforceWorkGroupConfiguration: true,
      PublishCloudWatchMetricsEnabled: true,
      RequesterPaysEnabled: false,
      ...existing,
      ...(input ?? {}),
      EngineVersion: { SelectedEngineVersion: 'AUTO', EffectiveEngineVersion: 'Athena engine version 3' },
    } as WorkGroup['Configuration'];
  };

  /** QUEUED -> RUNNING -> SUCCEEDED/FAILED (or CANCELLED by StopQueryExecution). */
  const run = async (record: ExecutionRecord, cutoff: number | undefined): Promise<void> => {
    const id = record.execution.QueryExecutionId as string;
    const status = record.execution.Status as NonNullable<QueryExecution['Status']>;
    const submitted = status.SubmissionDateTime as Date;
    await sleep(queuedMs);
    if (record.cancelled) return;
    status.State = 'RUNNING';
    const started = Date.now();
    const statistics = record.execution.Statistics as NonNullable<QueryExecution['Statistics']>;
    statistics.QueryQueueTimeInMillis = started - submitted.getTime();
    saveExecution(record);
    try {
      const result = await runQuery(record.execution.Query as string, {
        s3,
        glue: options.glue,
        cacheDir: path.join(options.dataDir, 'athena', 'cache'),
        database: record.execution.QueryExecutionContext?.Database ?? 'default',
        ...(cutoff !== undefined ? { bytesScannedCutoff: cutoff } : {}),
        onConnection: (connection) => {
          record.connection = connection;
        },
      });
      const ranFor = Date.now() - started;
      if (ranFor < minRunningMs) await sleep(minRunningMs - ranFor);
      if (record.cancelled) return;
      const output = parseS3Uri(record.execution.ResultConfiguration?.OutputLocation as string);
      const csv = [result.columns.map((c) => csvField(c.name)), ...result.rows.map((r) => r.map(csvField))]
        .map((r) => r.join(','))
        .join('\n');
      try {
        await putObject(s3, output.bucket, output.prefix, `${csv}\n`, 'text/csv');
      } catch (e) {
        throw new QueryFailedError(
          2,
          `Unable to verify/create output bucket ${output.bucket}: ${(e as Error).message}`,
          result.scannedBytes,
        );
      }
      record.result = result;
      record.columns = result.columns;
      statistics.DataScannedInBytes = result.scannedBytes;
      status.State = 'SUCCEEDED';
    } catch (e) {
      if (record.cancelled) return;
      const failure =
        e instanceof QueryFailedError ? e : new QueryFailedError(1, `GENERIC_INTERNAL_ERROR: ${String(e)}`);
      status.State = 'FAILED';
      status.StateChangeReason = failure.message;
      status.AthenaError = {
        ErrorCategory: failure.category,
        ErrorType: failure.category === 2 ? 1301 : 401,
        Retryable: false,
        ErrorMessage: failure.message,
      };
      statistics.DataScannedInBytes = failure.scannedBytes;
    } finally {
      delete record.connection;
      const ended = Date.now();
      statistics.EngineExecutionTimeInMillis = ended - started;
      statistics.TotalExecutionTimeInMillis = ended - submitted.getTime();
      statistics.ServiceProcessingTimeInMillis = 0;
      statistics.QueryPlanningTimeInMillis = 0;
      status.CompletionDateTime = new Date(ended);
      // A query the shutdown interrupted is ended (and saved again) by the shutdown.
      saveExecution(record);
      log(`query ${id}: ${status.State}${status.StateChangeReason ? ` (${status.StateChangeReason})` : ''}`);
    }
  };

  /** The result of a query an earlier session ran, read back from its results CSV in S3. */
  const storedResult = async (record: ExecutionRecord): Promise<QueryResult> => {
    const location = record.execution.ResultConfiguration?.OutputLocation as string;
    const output = parseS3Uri(location);
    let text: string;
    try {
      text = (await readObject(s3, output.bucket, output.prefix)).toString('utf8');
    } catch (e) {
      throw invalidRequest(
        `The results of query ${record.execution.QueryExecutionId} cannot be read from ${location}: ${(e as Error).message}. Run the query again.`,
      );
    }
    let rows: (string | null)[][];
    try {
      rows = parseResultCsv(text);
    } catch (e) {
      throw invalidRequest(
        `The results file ${location} of query ${record.execution.QueryExecutionId} is not as the query wrote it (${(e as Error).message}). Run the query again.`,
      );
    }
    return {
      columns: record.columns as ColumnResult[],
      rows: rows.slice(1),
      scannedBytes: record.execution.Statistics?.DataScannedInBytes ?? 0,
    };
  };

  const provider: AthenaProvider = {
    CreateWorkGroup(input) {
      const name = read.requiredString(input, 'Name');
      if (!/^[a-zA-Z0-9._-]{1,128}$/.test(name))
        throw invalidRequest(`WorkGroup name ${name} may contain only letters, digits, '.', '_' and '-'.`);
      if (workGroups.has(name)) throw invalidRequest(`WorkGroup ${name} is already created`);
      workGroups.set(name, {
        Name: name,
        State: 'ENABLED',
        Configuration: workGroupConfiguration(read.optionalObject(input, 'Configuration')),
        Description: read.optionalString(input, 'Description') ?? '',
        CreationTime: new Date(),
      });
      return {};
    },
    GetWorkGroup(input) {
      return toWire({ WorkGroup: workGroup(read.requiredString(input, 'WorkGroup')) });
    },
    ListWorkGroups(input) {
      const all = [...workGroups.values()].sort(byName).map((w) => ({
        Name: w.Name,
        State: w.State,
        Description: w.Description,
        CreationTime: w.CreationTime,
        EngineVersion: w.Configuration?.EngineVersion,
      }));
      const { page, nextToken } = read.page(all, input);
      return toWire({ WorkGroups: page, NextToken: nextToken });
    },
    UpdateWorkGroup(input) {
      const found = workGroup(read.requiredString(input, 'WorkGroup'));
      const updates = read.optionalObject(input, 'ConfigurationUpdates');
      if (updates) {
        const { RemoveBytesScannedCutoffPerQuery, ...rest } = updates;
        found.Configuration = workGroupConfiguration(rest, found.Configuration);
        if (RemoveBytesScannedCutoffPerQuery === true && found.Configuration)
          delete found.Configuration.BytesScannedCutoffPerQuery;
      }
      const state = read.optionalString(input, 'State');
      if (state === 'ENABLED' || state === 'DISABLED') found.State = state;
      const description = read.optionalString(input, 'Description');
      if (description !== undefined) found.Description = description;
      return {};
    },
    DeleteWorkGroup(input) {
      const name = read.requiredString(input, 'WorkGroup');
      if (name === 'primary') throw invalidRequest('The primary workgroup cannot be deleted.');
      workGroup(name);
      workGroups.delete(name);
      return {};
    },

    StartQueryExecution(input) {
      const query = read.requiredString(input, 'QueryString');
      if (query.length > MAX_QUERY_LENGTH) {
        throw invalidRequest(
          `QueryString is ${query.length} characters; Athena takes at most ${MAX_QUERY_LENGTH}.`,
        );
      }
      const token = read.optionalString(input, 'ClientRequestToken');
      if (token !== undefined) {
        const previous = [...executions.values()].find((r) => r.clientRequestToken === token);
        if (previous) {
          if (previous.execution.Query !== query) throw invalidRequest('Idempotent parameters do not match');
          return { QueryExecutionId: previous.execution.QueryExecutionId };
        }
      }
      const groupName = read.optionalString(input, 'WorkGroup') ?? 'primary';
      const group = workGroup(groupName);
      if (group.State === 'DISABLED') throw invalidRequest(`WorkGroup ${groupName} is disabled.`);
      const enforced = group.Configuration?.EnforceWorkGroupConfiguration === true;
      const requested = (read.optionalObject(input, 'ResultConfiguration') ?? {})['OutputLocation'];
      const base = enforced
        ? (group.Configuration?.ResultConfiguration?.OutputLocation ?? (requested as string | undefined))
        : ((requested as string | undefined) ?? group.Configuration?.ResultConfiguration?.OutputLocation);
      if (!base) {
        throw invalidRequest(
          'No output location provided. An output location is required either through the Workgroup result configuration setting or as an API input.',
        );
      }
      parseS3Uri(base);
      const id = crypto.randomUUID();
      const context = (read.optionalObject(input, 'QueryExecutionContext') ?? {}) as {
        Database?: string;
        Catalog?: string;
      };
      const record: ExecutionRecord = {
        execution: {
          QueryExecutionId: id,
          Query: query,
          StatementType: /^\s*(select|with|values|\()/i.test(query) ? 'DML' : 'UTILITY',
          ResultConfiguration: { OutputLocation: `${base.endsWith('/') ? base : `${base}/`}${id}.csv` },
          QueryExecutionContext: {
            Catalog: context.Catalog ?? 'AwsDataCatalog',
            ...(context.Database ? { Database: context.Database } : {}),
          },
          Status: { State: 'QUEUED', SubmissionDateTime: new Date() },
          Statistics: {
            EngineExecutionTimeInMillis: 0,
            DataScannedInBytes: 0,
            TotalExecutionTimeInMillis: 0,
          },
          WorkGroup: groupName,
          EngineVersion: { SelectedEngineVersion: 'AUTO', EffectiveEngineVersion: 'Athena engine version 3' },
          SubstatementType: 'SELECT',
        },
        ...(token !== undefined ? { clientRequestToken: token } : {}),
        cancelled: false,
      };
      executions.set(id, record);
      saveExecution(record);
      const cutoff = group.Configuration?.BytesScannedCutoffPerQuery;
      // One query at a time: DuckDB uses both cores for one query, and order stays predictable.
      queue = queue.then(() => run(record, cutoff)).catch((e: unknown) => log(`query ${id}: ${String(e)}`));
      return { QueryExecutionId: id };
    },
    GetQueryExecution(input) {
      return toWire({ QueryExecution: execution(read.requiredString(input, 'QueryExecutionId')).execution });
    },
    BatchGetQueryExecution(input) {
      const ids = (read.optionalArray(input, 'QueryExecutionIds') ?? []) as string[];
      if (ids.length === 0 || ids.length > 50) throw invalidRequest('QueryExecutionIds takes 1 to 50 ids.');
      const found = ids.flatMap((id) => executions.get(id)?.execution ?? []);
      return toWire({
        QueryExecutions: found,
        UnprocessedQueryExecutionIds: ids
          .filter((id) => !executions.has(id))
          .map((id) => ({
            QueryExecutionId: id,
            ErrorCode: 'INVALID_INPUT',
            ErrorMessage: `QueryExecution ${id} was not found`,
          })),
      });
    },
    ListQueryExecutions(input) {
      const groupName = read.optionalString(input, 'WorkGroup') ?? 'primary';
      workGroup(groupName);
      const ids = [...executions.values()]
        .filter((r) => r.execution.WorkGroup === groupName)
        .map((r) => r.execution.QueryExecutionId as string)
        .reverse();
      const { page, nextToken } = read.page(ids, input, 50);
      return { QueryExecutionIds: page, NextToken: nextToken };
    },
    StopQueryExecution(input) {
      const record = execution(read.requiredString(input, 'QueryExecutionId'));
      const status = record.execution.Status as NonNullable<QueryExecution['Status']>;
      if (status.State === 'QUEUED' || status.State === 'RUNNING') {
        record.cancelled = true;
        record.connection?.interrupt();
        status.State = 'CANCELLED';
        status.StateChangeReason = 'Query cancelled by user';
        status.CompletionDateTime = new Date();
        saveExecution(record);
      }
      return {};
    },
    async GetQueryResults(input) {
      const record = execution(read.requiredString(input, 'QueryExecutionId'));
      const state = record.execution.Status?.State;
      if (state === 'QUEUED' || state === 'RUNNING')
        throw invalidRequest(`Query has not yet finished. Current state: ${state}`);
      if (state === 'SUCCEEDED' && !record.result && record.columns)
        record.result = await storedResult(record);
      if (state !== 'SUCCEEDED' || !record.result) {
        throw invalidRequest(
          `Query did not finish successfully. Final query state: ${state}\n${record.execution.Status?.StateChangeReason ?? ''}`.trim(),
        );
      }
      const maxResults = read.optionalNumber(input, 'MaxResults') ?? 1000;
      if (maxResults < 1 || maxResults > 1000) throw invalidRequest('MaxResults must be between 1 and 1000.');
      const result = record.result;
      // The header row is the first row of the first page, as Athena returns it for SELECT.
      const rows = [result.columns.map((c) => c.name as string | null), ...result.rows];
      const { page, nextToken } = paginate(
        rows,
        read.optionalString(input, 'NextToken'),
        maxResults,
        'InvalidRequestException',
      );
      return {
        UpdateCount: 0,
        ResultSet: {
          Rows: page.map((row) => ({ Data: row.map((v) => (v === null ? {} : { VarCharValue: v })) })),
          ResultSetMetadata: {
            ColumnInfo: result.columns.map((c) => ({
              CatalogName: 'hive',
              SchemaName: '',
              TableName: '',
              Name: c.name,
              Label: c.name,
              Type: c.type,
              Precision: c.precision,
              Scale: c.scale,
              Nullable: 'UNKNOWN',
              CaseSensitive: c.type === 'varchar',
            })),
          },
        },
        ...(nextToken ? { NextToken: nextToken } : {}),
      };
    },
  };

  // Saved now: a new data folder gets its primary workgroup on disk at once.
  if (!store.exists()) saveWorkGroups();
  const workGroupOperations = new Set(['CreateWorkGroup', 'UpdateWorkGroup', 'DeleteWorkGroup']);
  return {
    // Query executions are saved as they change (above); workgroups after each call that may change one.
    provider: savingAfterChanges(provider, saveWorkGroups, (name) => workGroupOperations.has(name)),
    shutdown: async () => {
      const open = [...executions.values()].filter((r) =>
        ['QUEUED', 'RUNNING'].includes(r.execution.Status?.State as string),
      );
      for (const record of executions.values()) {
        record.cancelled = true;
        record.connection?.interrupt();
      }
      await queue;
      const now = new Date();
      for (const record of open) {
        if (!['QUEUED', 'RUNNING'].includes(record.execution.Status?.State as string)) continue;
        cutShort(record.execution, now);
        saveExecution(record);
      }
      s3.destroy();
    },
  };
}
