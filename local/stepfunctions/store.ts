/**
 * The local Step Functions endpoint's store: each execution, with its history, in a file of its own,
 * `<dataDir>/stepfunctions/executions/<state machine>/<execution name>.json`, written atomically when it
 * starts, at each history event and when it ends (one execution's file is small; the others are not
 * rewritten). DescribeExecution, GetExecutionHistory and ListExecutions answer from it after a restart,
 * and StartExecution's name check sees the names of earlier sessions.
 */
import path from 'node:path';
import fs from 'node:fs';
import {
  isArrayMember,
  readStoreFile,
  storeFilesIn,
  writeStoreFile,
  type StoreFileSpec,
} from '../common/json-file';
import { nameSegment } from '../common/paths';
import type { HistoryEvent } from './history';
import type { MachineResult } from './machines';

/** An execution as the store keeps it (dates in epoch milliseconds). */
export interface StoredExecution {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  input: string;
  status: 'RUNNING' | MachineResult['status'];
  startDate: number;
  stopDate?: number;
  output?: string;
  error?: string;
  cause?: string;
  events: HistoryEvent[];
}

const FORMAT_VERSION = 1;
const SPEC: StoreFileSpec = {
  what: 'The local Step Functions execution store',
  formatVersion: FORMAT_VERSION,
  freshStart: 'to forget this execution',
  check: (payload) =>
    isArrayMember(payload, 'events') ??
    (['executionArn', 'stateMachineArn', 'name', 'status'].find((m) => typeof payload[m] !== 'string') ===
    undefined
      ? undefined
      : 'executionArn, stateMachineArn, name or status is not a string'),
};

/**
 * What an execution the local cloud's stop cut short ends with: ABORTED, as an execution stopped from
 * outside ends (StopExecution's status), since none of its states failed; its worker thread is gone, so
 * it cannot go on.
 */
export const EXECUTION_CUT_SHORT: MachineResult = {
  status: 'ABORTED',
  error: 'States.Runtime',
  cause:
    'The local cloud stopped while the execution ran; its worker is gone and it cannot continue. Start a new execution.',
};

export class ExecutionStore {
  private readonly folder: string;

  constructor(dataDir: string) {
    this.folder = path.join(dataDir, 'stepfunctions', 'executions');
  }

  private fileOf(execution: Pick<StoredExecution, 'stateMachineArn' | 'name'>): string {
    const machine = execution.stateMachineArn.split(':').at(-1) as string;
    return path.join(this.folder, nameSegment(machine), `${nameSegment(execution.name)}.json`);
  }

  /** Every stored execution; those still RUNNING in their file come back as they are, for the caller to end. */
  load(): StoredExecution[] {
    const machines = fs.existsSync(this.folder) ? fs.readdirSync(this.folder) : [];
    return machines
      .flatMap((machine) => storeFilesIn(path.join(this.folder, machine)))
      .map((file) => readStoreFile<StoredExecution>(file, SPEC) as StoredExecution);
  }

  save(execution: StoredExecution): void {
    writeStoreFile(this.fileOf(execution), FORMAT_VERSION, execution);
  }
}
