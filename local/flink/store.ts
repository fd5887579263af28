/**
 * The Managed Flink endpoint's store: its applications (versions, operations, snapshots, tags), kept in
 * `<dataDir>/applications.json` and written whole, by rename, after every change. Loading it is the
 * service's start: the statuses come back as they were stored (resume.ts decides what each becomes), an
 * operation in flight FAILED and a snapshot still being taken FAILED, each saying why.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  isArrayMember,
  readStoreFile as readJsonStoreFile,
  writeStoreFile,
  type StoreFileSpec,
} from '../common/json-file';
import type { ApplicationRecord, OperationRecord, OperationStatus, StoreFile } from './model';

/** Ends an operation that is still IN_PROGRESS (a finished one keeps its outcome). */
export function finish(op: OperationRecord, status: OperationStatus, at = Date.now(), error?: string): void {
  if (op.status !== 'IN_PROGRESS') return;
  op.status = status;
  op.endTime = at;
  if (error !== undefined) op.errorString = error;
}

/** The store file under an endpoint's data folder. */
export const storeFileOf = (dataDir: string): string => path.join(dataDir, 'applications.json');

const SPEC: StoreFileSpec = {
  what: 'The Managed Flink application store',
  formatVersion: 1,
  freshStart: 'to start with no applications',
  check: (payload) => isArrayMember(payload, 'applications'),
};

/** Reads a store file; undefined when there is none; an unreadable or unknown one is an error saying what to do. */
export function readStoreFile(file: string): StoreFile | undefined {
  const payload = readJsonStoreFile<Omit<StoreFile, 'formatVersion'>>(file, SPEC);
  return payload && { formatVersion: 1, ...payload };
}

export class FlinkApplicationStore {
  /** The applications by name; the service changes them in place and then calls save(). */
  readonly applications = new Map<string, ApplicationRecord>();
  readonly file: string;

  constructor(private readonly dataDir: string) {
    this.file = storeFileOf(dataDir);
  }

  /** Loads the file, if there is one, into `applications`. */
  load(): void {
    fs.mkdirSync(this.dataDir, { recursive: true });
    const stored = readStoreFile(this.file);
    if (!stored) return;
    const now = Date.now();
    for (const app of stored.applications) {
      for (const op of app.operations) {
        if (op.status === 'IN_PROGRESS')
          finish(op, 'FAILED', now, 'The local cloud stopped before the operation ended.');
      }
      // Its savepoint never completed (the runner writes the record's path only once it has).
      for (const snapshot of app.snapshots) if (snapshot.status === 'CREATING') snapshot.status = 'FAILED';
      this.applications.set(app.name, app);
    }
  }

  /** Writes every application, atomically (a reader never sees half a file). */
  save(): void {
    writeStoreFile(this.file, SPEC.formatVersion, { applications: [...this.applications.values()] });
  }
}
