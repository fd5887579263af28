/**
 * The local Step Functions endpoint (`AWSStepFunctions.<Operation>` over JSON 1.0): StartExecution,
 * DescribeExecution, GetExecutionHistory, ListExecutions, StopExecution, DescribeStateMachine and
 * ListStateMachines for the machines registered in machines.ts. Executions run on aws-local-stepfunctions
 * in worker threads of this process (execution-worker.ts), the task handlers bound and pointed at the
 * local endpoints; the history they build is the API's.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type * as SfnApi from '@aws-sdk/client-sfn';
import { AwsServiceError } from '../common/errors';
import type { LocalJsonService, OutputOf, ProviderOf } from '../common/provider';
import { pageOf, reader } from '../common/validation';
import { ExecutionHistory, type HistoryEvent, type StatesByName } from './history';
import {
  LocalStateMachines,
  stateMachineArn,
  type LocalStateMachineRegistration,
  type MachineResult,
} from './machines';
import type { ExecutionWorkerData, WorkerReply, WorkerRequest } from './execution-worker';
import { EXECUTION_CUT_SHORT, ExecutionStore } from './store';

const repoRoot = path.resolve(__dirname, '..', '..');

export interface StepFunctionsServiceOptions {
  region: string;
  account: string;
  /** Executions and their histories are kept under `<dataDir>/stepfunctions` (store.ts) and loaded from there. */
  dataDir: string;
  /**
   * The task handlers' environment for an execution starting now (endpoints, region, credentials and
   * the deployment settings), or a message saying what is missing.
   */
  taskEnvironment(): Promise<Record<string, string> | { missing: string }>;
  log?: (line: string) => void;
  /** The machines to serve; default: every registered one. */
  machines?: readonly LocalStateMachineRegistration[];
  /** How long a worker with no running execution is kept for the next one. Default 60 s. */
  idleWorkerMs?: number;
}

type Status = 'RUNNING' | MachineResult['status'];

interface Execution {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  input: string;
  status: Status;
  startDate: number;
  stopDate?: number;
  output?: string;
  error?: string;
  cause?: string;
  history: ExecutionHistory;
  pool?: WorkerPool;
}

interface Machine {
  registration: LocalStateMachineRegistration;
  arn: string;
  creationDate: number;
  /** The rendered ASL; rendered once, in a worker, when first needed. */
  definition?: Promise<string> | undefined;
}

/** One worker thread (one handler environment, once it ran an execution) and the executions it runs. */
interface WorkerPool {
  /** The handler environment it serves; undefined for a spare that has not taken one yet. */
  key: string | undefined;
  worker: Worker;
  running: Set<string>;
  idleTimer?: NodeJS.Timeout;
  exited: boolean;
  /** Callers waiting for the worker's rendered definition, in order. */
  definitionWaiters: ((reply: WorkerReply) => void)[];
}

// The AWS name rules: 1-80 characters, none of whitespace, brackets, wildcards, the listed specials or
// control characters (StartExecution, `name`).
// eslint-disable-next-line no-control-regex -- control characters are exactly what the rule forbids
const INVALID_NAME = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]/;
const MAX_INPUT_BYTES = 256 * 1024;
const ARN = /^arn:aws[\w-]*:states:[\w-]+:\d{12}:(stateMachine|execution):([^:]+)(?::([^:]+))?$/;

function bootstrap(file: string): string {
  // Workers do not inherit the process's tsx loader hooks, so each registers them before loading
  // TypeScript.
  const resolve = (id: string) => JSON.stringify(require.resolve(id, { paths: [repoRoot] }));
  return [
    `require(${resolve('tsx/esm/api')}).register();`,
    `require(${resolve('tsx/cjs/api')}).register();`,
    `require(${JSON.stringify(file)});`,
  ].join('\n');
}

const read = reader('ValidationException');
const str = (request: object, key: string): string | undefined => read.optionalString(request, key);

const seconds = (ms: number | undefined) => (ms === undefined ? undefined : ms / 1000);

/** The operations the local endpoint implements, typed by @aws-sdk/client-sfn. */
export type StepFunctionsProvider = ProviderOf<typeof SfnApi>;

export interface StepFunctionsService extends LocalJsonService<StepFunctionsProvider> {
  /**
   * Starts a worker per machine in the background: it loads the machine's modules and renders its ASL,
   * so the first execution need not wait for either.
   */
  warmUp(): void;
}

export function createStepFunctionsService(options: StepFunctionsServiceOptions): StepFunctionsService {
  const log = options.log ?? (() => undefined);
  const idleWorkerMs = options.idleWorkerMs ?? 60_000;
  const machines = new Map<string, Machine>();
  for (const registration of options.machines ?? LocalStateMachines) {
    const arn = stateMachineArn(options.region, options.account, registration.name);
    machines.set(arn, { registration, arn, creationDate: Date.now() });
  }
  const executions = new Map<string, Execution>();
  const store = new ExecutionStore(options.dataDir);
  const persist = (e: Execution) =>
    store.save({
      executionArn: e.executionArn,
      stateMachineArn: e.stateMachineArn,
      name: e.name,
      input: e.input,
      status: e.status,
      startDate: e.startDate,
      ...(e.stopDate === undefined ? {} : { stopDate: e.stopDate }),
      ...(e.output === undefined ? {} : { output: e.output }),
      ...(e.error === undefined ? {} : { error: e.error }),
      ...(e.cause === undefined ? {} : { cause: e.cause }),
      events: e.history.events,
    });
  const pools = new Map<string, WorkerPool>();
  let shuttingDown = false;

  /**
   * A worker started ahead of need, per machine: it loads the machine's modules and renders its ASL as
   * soon as the daemon is ready, then takes the first execution's handler environment.
   */
  const spares = new Map<string, WorkerPool>();

  const createPool = (machine: Machine, key: string | undefined): WorkerPool => {
    const data: ExecutionWorkerData = { machine: machine.registration.name };
    const worker = new Worker(bootstrap(path.join(__dirname, 'execution-worker.ts')), {
      eval: true,
      workerData: data,
      // The parent's flags (e.g. --import tsx) are not what a worker may take; the bootstrap loads tsx.
      execArgv: [],
    });
    const pool: WorkerPool = { key, worker, running: new Set(), exited: false, definitionWaiters: [] };
    worker.on('message', (reply: WorkerReply) => {
      if (reply.type === 'definition') {
        pool.definitionWaiters.shift()?.(reply);
        return;
      }
      if (reply.type === 'log') {
        log(`${machine.registration.name}: ${reply.line}`);
        return;
      }
      const execution = executions.get(reply.id);
      if (!execution) return;
      if (reply.type === 'event') {
        // Events after a StopExecution (the worker stops between states) are not the execution's any more.
        if (execution.status === 'RUNNING') {
          execution.history.record(reply.event);
          persist(execution);
        }
        return;
      }
      finish(execution, reply.result);
    });
    const fail = (why: string) => {
      pool.exited = true;
      if (pool.key !== undefined && pools.get(pool.key) === pool) pools.delete(pool.key);
      if (spares.get(machine.arn) === pool) spares.delete(machine.arn);
      for (const waiter of pool.definitionWaiters.splice(0)) waiter({ type: 'definition', error: why });
      for (const id of [...pool.running]) {
        const execution = executions.get(id);
        if (execution) finish(execution, { status: 'FAILED', error: 'States.Runtime', cause: why });
      }
      pool.running.clear();
    };
    worker.on('error', (error) => fail(`The local execution worker failed: ${error.stack ?? error.message}`));
    worker.on('exit', (code) => {
      if (!shuttingDown && !pool.exited) fail(`The local execution worker exited with code ${code}`);
      pool.exited = true;
    });
    return pool;
  };

  const spareFor = (machine: Machine): WorkerPool => {
    let spare = spares.get(machine.arn);
    if (!spare || spare.exited) {
      spare = createPool(machine, undefined);
      spares.set(machine.arn, spare);
    }
    return spare;
  };

  const definitionOf = (machine: Machine): Promise<string> => {
    const began = Date.now();
    machine.definition ??= new Promise<string>((resolve, reject) => {
      const pool = spareFor(machine);
      pool.definitionWaiters.push((reply) => {
        if (reply.type === 'definition' && reply.definition) {
          log(`rendered ${machine.registration.name} in ${Date.now() - began} ms`);
          resolve(reply.definition);
        } else reject(new Error(reply.type === 'definition' ? reply.error : 'unexpected reply'));
      });
      pool.worker.postMessage({ type: 'definition' } satisfies WorkerRequest);
    }).catch((error: unknown) => {
      // A failed render is retried by the next caller rather than cached.
      machine.definition = undefined;
      throw error;
    });
    return machine.definition;
  };

  const finish = (execution: Execution, result: MachineResult, at = Date.now()) => {
    if (execution.status !== 'RUNNING') return;
    execution.status = result.status;
    execution.stopDate = at;
    if (result.status === 'SUCCEEDED') execution.output = JSON.stringify(result.output ?? null);
    if (result.error !== undefined) execution.error = result.error;
    if (result.cause !== undefined) execution.cause = result.cause;
    execution.history.ended(result, at);
    persist(execution);
    if (execution.pool) release(execution.pool, execution.executionArn);
    log(`${execution.executionArn} ${result.status}${result.error ? ` ${result.error}` : ''}`);
  };

  const release = (pool: WorkerPool, id: string) => {
    pool.running.delete(id);
    if (pool.running.size > 0 || pool.exited) return;
    clearTimeout(pool.idleTimer);
    pool.idleTimer = setTimeout(() => {
      if (pool.key !== undefined && pools.get(pool.key) === pool) pools.delete(pool.key);
      pool.exited = true;
      void pool.worker.terminate();
    }, idleWorkerMs);
    pool.idleTimer.unref();
  };

  /** The worker for this handler environment: the one that has it, else the spare, else a new one. */
  const poolFor = (machine: Machine, env: Record<string, string>): WorkerPool => {
    const key = JSON.stringify([machine.registration.name, env]);
    const existing = pools.get(key);
    if (existing && !existing.exited) {
      clearTimeout(existing.idleTimer);
      return existing;
    }
    const spare = spares.get(machine.arn);
    const pool = spare && !spare.exited ? spare : createPool(machine, key);
    if (pool === spare) spares.delete(machine.arn);
    pool.key = key;
    pools.set(key, pool);
    return pool;
  };

  const begin = async (machine: Machine, execution: Execution, input: unknown) => {
    const env = await options.taskEnvironment();
    if ('missing' in env) {
      finish(execution, { status: 'FAILED', error: 'States.Runtime', cause: env.missing });
      return;
    }
    // The worker loads its modules while the definition renders (the first time only).
    const pool = poolFor(machine, env);
    pool.running.add(execution.executionArn);
    execution.pool = pool;
    const definition = JSON.parse(await definitionOf(machine)) as { States?: StatesByName };
    if (execution.status !== 'RUNNING') return;
    execution.history.states = definition.States ?? {};
    const request: WorkerRequest = {
      type: 'start',
      id: execution.executionArn,
      definition,
      input,
      env,
    };
    pool.worker.postMessage(request);
  };

  const machineOf = (arn: string | undefined): Machine => {
    if (!arn) throw new AwsServiceError('ValidationException', 'stateMachineArn is required');
    const match = ARN.exec(arn);
    if (!match || match[1] !== 'stateMachine' || match[3] !== undefined) {
      throw new AwsServiceError(
        'InvalidArn',
        `Invalid Arn: 'Resource type not valid in this context: ${arn}'`,
      );
    }
    const machine = machines.get(arn);
    if (!machine) {
      throw new AwsServiceError(
        'StateMachineDoesNotExist',
        `State Machine Does Not Exist: '${arn}'. The local cloud serves: ${[...machines.keys()].join(', ')}`,
      );
    }
    return machine;
  };

  const executionOf = (arn: string | undefined): Execution => {
    if (!arn) throw new AwsServiceError('ValidationException', 'executionArn is required');
    const match = ARN.exec(arn);
    if (!match || match[1] !== 'execution' || match[3] === undefined) {
      throw new AwsServiceError(
        'InvalidArn',
        `Invalid Arn: 'Resource type not valid in this context: ${arn}'`,
      );
    }
    const execution = executions.get(arn);
    if (!execution) throw new AwsServiceError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    return execution;
  };

  const page = <T>(items: T[], request: object): { items: T[]; nextToken?: string } => {
    const input = request as Record<string, unknown>;
    const max =
      input['maxResults'] === undefined || input['maxResults'] === 0 ? 100 : Number(input['maxResults']);
    if (!Number.isInteger(max) || max < 0 || max > 1000) {
      throw new AwsServiceError('ValidationException', 'maxResults must be between 0 and 1000');
    }
    return pageOf(
      items,
      str(input, 'nextToken'),
      max,
      (token) => new AwsServiceError('InvalidToken', `Invalid Token: '${token}'`),
    );
  };

  // The executions of earlier sessions. One still RUNNING in its file was cut short by a stop that could
  // not end it (the process was killed): it ends now, as the shutdown would have ended it.
  for (const stored of store.load()) {
    const { events, ...fields } = stored;
    const execution: Execution = { ...fields, history: new ExecutionHistory(events) };
    executions.set(execution.executionArn, execution);
    if (execution.status === 'RUNNING') finish(execution, EXECUTION_CUT_SHORT);
  }

  const provider: StepFunctionsProvider = {
    StartExecution: async (input) => {
      const machine = machineOf(str(input, 'stateMachineArn'));
      const name = str(input, 'name') ?? randomUUID();
      if (name.length < 1 || name.length > 80 || INVALID_NAME.test(name)) {
        throw new AwsServiceError(
          'InvalidName',
          `Invalid Name: '${name}' (1-80 characters; no whitespace, brackets, wildcards, or "#%\\^|~\`$&,;:/)`,
        );
      }
      const text = str(input, 'input') ?? '{}';
      if (Buffer.byteLength(text) > MAX_INPUT_BYTES) {
        throw new AwsServiceError('InvalidExecutionInput', 'The input is larger than 256 KiB.');
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (error) {
        throw new AwsServiceError(
          'InvalidExecutionInput',
          `Invalid State Machine Execution Input: ${(error as Error).message}`,
        );
      }
      const executionArn = `${machine.arn.replace(':stateMachine:', ':execution:')}:${name}`;
      const existing = executions.get(executionArn);
      if (existing) {
        // As on AWS: the same name and input while the execution is open is the same call; anything else
        // (other input, or a closed execution) is ExecutionAlreadyExists (API reference, StartExecution).
        if (existing.status === 'RUNNING' && existing.input === text) {
          return { executionArn, startDate: seconds(existing.startDate) };
        }
        throw new AwsServiceError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
      }
      const startDate = Date.now();
      const history = new ExecutionHistory();
      const roleArn = `arn:aws:iam::${options.account}:role/flinkflow-local-states`;
      history.started(text, roleArn, startDate);
      const execution: Execution = {
        executionArn,
        stateMachineArn: machine.arn,
        name,
        input: text,
        status: 'RUNNING',
        startDate,
        history,
      };
      executions.set(executionArn, execution);
      persist(execution);
      log(`${executionArn} started`);
      void begin(machine, execution, parsed).catch((error: unknown) =>
        finish(execution, {
          status: 'FAILED',
          error: 'States.Runtime',
          cause: `The local cloud could not run the execution: ${(error as Error).message}`,
        }),
      );
      return { executionArn, startDate: seconds(startDate) };
    },

    DescribeExecution: (input) => {
      const e = executionOf(str(input, 'executionArn'));
      return {
        executionArn: e.executionArn,
        stateMachineArn: e.stateMachineArn,
        name: e.name,
        status: e.status,
        startDate: seconds(e.startDate),
        ...(e.stopDate === undefined ? {} : { stopDate: seconds(e.stopDate) }),
        input: e.input,
        inputDetails: { included: true },
        ...(e.output === undefined ? {} : { output: e.output, outputDetails: { included: true } }),
        ...(e.error === undefined ? {} : { error: e.error }),
        ...(e.cause === undefined ? {} : { cause: e.cause }),
        redriveCount: 0,
        redriveStatus: 'NOT_REDRIVABLE',
      };
    },

    GetExecutionHistory: (input) => {
      const e = executionOf(str(input, 'executionArn'));
      const ordered = input['reverseOrder'] === true ? [...e.history.events].reverse() : e.history.events;
      const withData = input['includeExecutionData'] !== false;
      const { items, nextToken } = page(ordered, input);
      // The history writes each event's type and detail members by the API reference's names
      // (history.ts); test/stepfunctions reads them back through the SDK.
      const events = (withData ? items : items.map(withoutData)) as OutputOf<SfnApi.HistoryEvent>[];
      return {
        events,
        ...(nextToken ? { nextToken } : {}),
      };
    },

    ListExecutions: (input) => {
      const machine = machineOf(str(input, 'stateMachineArn'));
      const status = str(input, 'statusFilter');
      const listed = [...executions.values()]
        .filter((e) => e.stateMachineArn === machine.arn && (status === undefined || e.status === status))
        // Most recent first, as the API lists them.
        .sort((a, b) => b.startDate - a.startDate);
      const { items, nextToken } = page(listed, input);
      return {
        executions: items.map((e) => ({
          executionArn: e.executionArn,
          stateMachineArn: e.stateMachineArn,
          name: e.name,
          status: e.status,
          startDate: seconds(e.startDate),
          ...(e.stopDate === undefined ? {} : { stopDate: seconds(e.stopDate) }),
        })),
        ...(nextToken ? { nextToken } : {}),
      };
    },

    StopExecution: (input) => {
      const e = executionOf(str(input, 'executionArn'));
      const error = str(input, 'error');
      const cause = str(input, 'cause');
      if (e.status === 'RUNNING') {
        // Stopped at once as on AWS; the worker stops between states (a running task ends its call).
        finish(e, {
          status: 'ABORTED',
          ...(error === undefined ? {} : { error }),
          ...(cause === undefined ? {} : { cause }),
        });
        e.pool?.worker.postMessage({ type: 'stop', id: e.executionArn } satisfies WorkerRequest);
      }
      return { stopDate: seconds(e.stopDate ?? Date.now()) };
    },

    DescribeStateMachine: async (input) => {
      const machine = machineOf(str(input, 'stateMachineArn'));
      return {
        stateMachineArn: machine.arn,
        name: machine.registration.name,
        status: 'ACTIVE',
        definition: await definitionOf(machine),
        roleArn: `arn:aws:iam::${options.account}:role/flinkflow-local-states`,
        type: 'STANDARD',
        creationDate: seconds(machine.creationDate),
        loggingConfiguration: { level: 'OFF', includeExecutionData: false },
        tracingConfiguration: { enabled: false },
      };
    },

    ListStateMachines: (input) => {
      const { items, nextToken } = page([...machines.values()], input);
      return {
        stateMachines: items.map((m) => ({
          stateMachineArn: m.arn,
          name: m.registration.name,
          type: 'STANDARD',
          creationDate: seconds(m.creationDate),
        })),
        ...(nextToken ? { nextToken } : {}),
      };
    },
  };

  return {
    provider,
    warmUp: () => {
      for (const machine of machines.values()) {
        definitionOf(machine).catch((error: unknown) =>
          log(`rendering ${machine.registration.name} failed: ${(error as Error).message}`),
        );
      }
    },
    shutdown: async () => {
      shuttingDown = true;
      for (const execution of executions.values()) finish(execution, EXECUTION_CUT_SHORT);
      await Promise.all([...pools.values(), ...spares.values()].map((pool) => pool.worker.terminate()));
      pools.clear();
      spares.clear();
    },
  };
}

/** A history event without its input and output (GetExecutionHistory `includeExecutionData: false`). */
function withoutData(event: HistoryEvent): HistoryEvent {
  const copy: HistoryEvent = { ...event };
  for (const [key, value] of Object.entries(copy)) {
    if (key.endsWith('EventDetails') && value && typeof value === 'object') {
      const { input: _input, output: _output, ...rest } = value as Record<string, unknown>;
      void _input;
      void _output;
      copy[key] = rest;
    }
  }
  return copy;
}
