/**
 * The local Athena endpoint's store: workgroups in `<dataDir>/athena/workgroups.json` and each query
 * execution in a file of its own, `<dataDir>/athena/executions/<QueryExecutionId>.json` (a query changes
 * state a few times; rewriting one small file each time costs the same however many queries ran before).
 * Each file is written atomically. A query's result rows are not kept here: they are the results CSV in
 * S3, where Athena keeps them too, and GetQueryResults reads them back from there after a restart.
 */
import type { QueryExecution, WorkGroup } from '@aws-sdk/client-athena';
import fs from 'node:fs';
import path from 'node:path';
import {
  isArrayMember,
  isObjectMember,
  readStoreFile,
  storeFilesIn,
  writeStoreFile,
  type StoreFileSpec,
} from '../common/json-file';
import { nameSegment } from '../common/paths';
import type { ColumnResult } from './engine';

/** A query execution as the store keeps it. */
export interface StoredExecution {
  execution: QueryExecution;
  clientRequestToken?: string;
  /** The result's columns (names and types), for GetQueryResults' metadata; the rows are in S3. */
  columns?: ColumnResult[];
}

const FORMAT_VERSION = 1;
const WORKGROUPS: StoreFileSpec = {
  what: 'The local Athena workgroup store',
  formatVersion: FORMAT_VERSION,
  freshStart: 'to start with the primary workgroup only',
  check: (payload) => isArrayMember(payload, 'workGroups'),
};
const EXECUTION: StoreFileSpec = {
  what: 'The local Athena query execution store',
  formatVersion: FORMAT_VERSION,
  freshStart: 'to forget this query',
  check: (payload) => isObjectMember(payload, 'execution'),
};

/** What a query the local cloud's stop cut short says (StateChangeReason and AthenaError). */
export const QUERY_CUT_SHORT = 'The local cloud stopped while the query was queued or running; run it again.';

export class AthenaStore {
  private readonly workGroupsFile: string;
  private readonly executionsDir: string;

  constructor(dataDir: string) {
    this.workGroupsFile = path.join(dataDir, 'athena', 'workgroups.json');
    this.executionsDir = path.join(dataDir, 'athena', 'executions');
  }

  /** The stored workgroups (none when nothing was stored yet). */
  loadWorkGroups(): WorkGroup[] {
    return readStoreFile<{ workGroups: WorkGroup[] }>(this.workGroupsFile, WORKGROUPS)?.workGroups ?? [];
  }

  /**
   * The stored query executions, oldest first. One the file shows QUEUED or RUNNING was cut short by a
   * stop that could not end it (the process was killed): it comes back FAILED, saying so.
   */
  loadExecutions(now = new Date()): StoredExecution[] {
    const loaded = storeFilesIn(this.executionsDir).map((file) => {
      const stored = readStoreFile<StoredExecution>(file, EXECUTION) as StoredExecution;
      const status = stored.execution.Status;
      if (status && (status.State === 'QUEUED' || status.State === 'RUNNING')) {
        cutShort(stored.execution, now);
        this.saveExecution(stored);
      }
      return stored;
    });
    const submitted = (s: StoredExecution) => s.execution.Status?.SubmissionDateTime?.getTime() ?? 0;
    return loaded.sort((a, b) => submitted(a) - submitted(b));
  }

  saveWorkGroups(workGroups: WorkGroup[]): void {
    writeStoreFile(this.workGroupsFile, FORMAT_VERSION, { workGroups });
  }

  saveExecution(stored: StoredExecution): void {
    const id = stored.execution.QueryExecutionId as string;
    writeStoreFile(path.join(this.executionsDir, `${nameSegment(id)}.json`), FORMAT_VERSION, {
      execution: stored.execution,
      ...(stored.clientRequestToken !== undefined ? { clientRequestToken: stored.clientRequestToken } : {}),
      ...(stored.columns !== undefined ? { columns: stored.columns } : {}),
    });
  }

  /** Whether anything was ever stored (a new data folder gets the primary workgroup). */
  exists(): boolean {
    return fs.existsSync(this.workGroupsFile);
  }
}

/** Ends a query that was QUEUED or RUNNING when the local cloud stopped: FAILED, with the reason. */
export function cutShort(execution: QueryExecution, at: Date): void {
  const status = execution.Status ?? {};
  status.State = 'FAILED';
  status.StateChangeReason = QUERY_CUT_SHORT;
  // ErrorCategory 1 is a system error (API reference, AthenaError); the query itself was not at fault.
  status.AthenaError = { ErrorCategory: 1, ErrorType: 401, Retryable: true, ErrorMessage: QUERY_CUT_SHORT };
  status.CompletionDateTime = at;
  execution.Status = status;
}

/**
 * The rows of a results CSV as the endpoint writes it (every value quoted, NULL an empty field, one
 * record a line), header row included.
 */
export function parseResultCsv(text: string): (string | null)[][] {
  const rows: (string | null)[][] = [];
  let row: (string | null)[] = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        const quote = text.indexOf('"', i);
        if (quote < 0)
          throw new Error(`the quoted value that starts before offset ${i} has no closing quote`);
        value += text.slice(i, quote);
        if (text[quote + 1] === '"') {
          value += '"';
          i = quote + 2;
        } else {
          i = quote + 1;
          break;
        }
      }
      row.push(value);
    } else row.push(null);
    if (text[i] === ',') {
      i++;
    } else if (text[i] === '\n' || i >= text.length) {
      rows.push(row);
      row = [];
      i++;
    } else {
      throw new Error(`unexpected ${JSON.stringify(text[i])} at offset ${i}: values are quoted or empty`);
    }
  }
  return rows;
}
