/**
 * The schedule runner's timing survives a restart of the services on the same data folder, as the
 * schedules themselves do (moto saves them at stop): a one-time schedule that fired does not fire again,
 * and a rate schedule keeps its next occurrence instead of firing at once as a new one would. The clock
 * is the test's; `scheduleRunner.tick()` runs the tick the daemon's timer would.
 */
import { CreateScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadTracked } from '../../local/scheduler/runner';
import { startServices, type LocalServices } from '../../local/services';

jest.setTimeout(90_000);

const region = 'us-east-1';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const roleArn = 'arn:aws:iam::000000000000:role/flinkflow-scheduler';
const queueArn = `arn:aws:sqs:${region}:000000000000:restart-target`;
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'flinkflow-scheduler-restart-'));
let now = Date.parse('2030-01-07T10:00:30Z');

const start = () =>
  startServices({
    dataDir,
    scheduleClock: () => new Date(now),
    scheduleTickMs: 0,
    kinesisMetricsPeriodMs: 0,
  });

let services: LocalServices | undefined;

afterAll(async () => {
  await services?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('local EventBridge Scheduler across a restart', () => {
  it('It should neither fire a done one-time schedule again nor restart a rate schedule', async () => {
    // Prepare: a one-time schedule due now and a rate schedule, both fired once before the restart.
    services = await start();
    const edge = { endpoint: services.edge, region, credentials };
    const scheduler = new SchedulerClient(edge);
    const sqs = new SQSClient(edge);
    await sqs.send(new CreateQueueCommand({ QueueName: 'restart-target' }));
    const target = { Arn: queueArn, RoleArn: roleArn, Input: '{}' };
    await scheduler.send(
      new CreateScheduleCommand({
        Name: 'once',
        ScheduleExpression: 'at(2030-01-07T10:00:00)',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: target,
      }),
    );
    await scheduler.send(
      new CreateScheduleCommand({
        Name: 'hourly',
        ScheduleExpression: 'rate(1 hour)',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: target,
      }),
    );
    scheduler.destroy();
    sqs.destroy();
    const beforeRestart = await services.scheduleRunner.tick();
    await services.stop();
    services = undefined;

    // Act
    now += 60_000;
    services = await start();
    const afterRestart = await services.scheduleRunner.tick();
    now += 3_600_000;
    const anHourLater = await services.scheduleRunner.tick();

    // Assess
    const names = (invocations: { scheduleArn: string }[]) =>
      invocations.map((i) => i.scheduleArn.split('/').at(-1)).sort();
    expect(names(beforeRestart)).toEqual(['hourly', 'once']);
    expect(afterRestart).toEqual([]);
    expect(names(anHourLater)).toEqual(['hourly']);
    expect(existsSync(path.join(dataDir, 'scheduler', 'runner.json'))).toBe(true);
  });

  it('It should refuse a saved timing it did not write, saying to start with --fresh', () => {
    // Prepare
    const file = path.join(dataDir, 'bad-runner.json');
    writeFileSync(file, JSON.stringify({ version: 7 }));

    // Act
    const load = () => loadTracked(file);

    // Assess
    expect(load).toThrow(`${file} cannot be read (not the version 1 layout the runner writes)`);
    expect(load).toThrow('`flinkflow local up --fresh`');
  });
});
