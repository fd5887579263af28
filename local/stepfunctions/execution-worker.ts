/**
 * A worker thread of the local Step Functions endpoint: it loads one registered machine module (and,
 * through its `prepare`, the task handlers) as it starts, and runs that machine's executions with the
 * task handlers' environment (endpoints, region, deployment settings) of its first execution. The
 * handlers keep their clients and settings per process as on Lambda, so the endpoint gives each distinct
 * environment a thread of its own: isolated, like a Lambda execution environment.
 *
 * Messages in: {type: 'definition'}, {type: 'start', id, definition, input, env}, {type: 'stop', id}.
 * Messages out: {type: 'definition', definition | error}, {type: 'event', id, event}, {type: 'result', id, result},
 * {type: 'log', line}.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { LocalMachineModules } from './machine-modules';
import type { LocalMachineModule, MachineEvent, MachineResult } from './machines';

export type WorkerRequest =
  | { type: 'definition' }
  | { type: 'start'; id: string; definition: object; input: unknown; env: Record<string, string> }
  | { type: 'stop'; id: string };

export type WorkerReply =
  | { type: 'definition'; definition?: string; error?: string }
  | { type: 'event'; id: string; event: MachineEvent }
  | { type: 'result'; id: string; result: MachineResult }
  | { type: 'log'; line: string };

export interface ExecutionWorkerData {
  /** The name of the machine this worker runs (a key of `LocalMachineModules`). */
  machine: string;
}

const port = parentPort;
if (!port)
  throw new Error('execution-worker.ts runs as a worker thread of the local Step Functions endpoint');
const { machine: machineName } = workerData as ExecutionWorkerData;
const found = LocalMachineModules[machineName];
if (!found) throw new Error(`No module is registered for state machine ${machineName} (machine-modules.ts).`);
const machine: LocalMachineModule = found;
const running = new Map<string, AbortController>();
const reply = (message: WorkerReply) => port.postMessage(message);
const describe = (e: unknown) => (e instanceof Error ? (e.stack ?? e.message) : String(e));
// Loading the handlers now (not configuring them: they read settings and build clients on first use)
// takes that cost off the first execution. A failure here shows again, with its cause, when a task runs;
// it goes to the endpoint's log now.
machine
  .prepare?.()
  .catch((error: unknown) => reply({ type: 'log', line: `prepare failed: ${describe(error)}` }));

port.on('message', (message: WorkerRequest) => {
  if (message.type === 'definition') {
    try {
      reply({ type: 'definition', definition: JSON.stringify(machine.definition()) });
    } catch (error) {
      reply({ type: 'definition', error: describe(error) });
    }
    return;
  }
  if (message.type === 'stop') {
    running.get(message.id)?.abort();
    return;
  }
  const controller = new AbortController();
  running.set(message.id, controller);
  machine
    .run({
      definition: message.definition,
      input: message.input,
      env: message.env,
      signal: controller.signal,
      onEvent: (event) => reply({ type: 'event', id: message.id, event }),
    })
    .then(
      // Only the outcome crosses the thread boundary (the runner's result may carry more, e.g. its events).
      ({ status, output, error, cause }) =>
        reply({ type: 'result', id: message.id, result: { status, output, error, cause } }),
      // The runner reports a failing execution as a result; a throw is the runner's own fault.
      (error: unknown) =>
        reply({
          type: 'result',
          id: message.id,
          result: { status: 'FAILED', error: 'States.Runtime', cause: describe(error) },
        }),
    )
    .finally(() => running.delete(message.id));
});
