/**
 * What one tick of the local schedule runner costs: with N ENABLED schedules in moto that are not due,
 * a tick lists them and reads each (ListSchedules + N GetSchedule). Prints the median and worst tick.
 *
 *   flock /work/wt/heavy.lock npx tsx bench/local/schedule-tick.ts [counts...]   (default 0 10 50)
 */
import { CreateScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { startServices } from '../../local/services';

async function main(): Promise<void> {
  const counts = process.argv.slice(2).map(Number);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'flinkflow-bench-tick-'));
  const services = await startServices({ dataDir, scheduleTickMs: 0, kinesisMetricsPeriodMs: 0 });
  const scheduler = new SchedulerClient({
    endpoint: services.endpoints.scheduler,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    let created = 0;
    for (const count of counts.length ? counts : [0, 10, 50]) {
      for (; created < count; created++) {
        await scheduler.send(
          new CreateScheduleCommand({
            Name: `bench-${created}`,
            // Never due within the run: 08:00 on 1 January 2199.
            ScheduleExpression: 'cron(0 8 1 1 ? 2199)',
            FlexibleTimeWindow: { Mode: 'OFF' },
            Target: {
              Arn: 'arn:aws:sqs:us-east-1:000000000000:bench',
              RoleArn: 'arn:aws:iam::000000000000:role/r',
            },
          }),
        );
      }
      const times: number[] = [];
      for (let i = 0; i < 21; i++) {
        const start = performance.now();
        await services.scheduleRunner.tick();
        times.push(performance.now() - start);
      }
      times.sort((a, b) => a - b);
      console.log(
        `${count} schedules: tick median ${(times[10] as number).toFixed(1)} ms, worst ${(times[20] as number).toFixed(1)} ms (21 ticks)`,
      );
    }
  } finally {
    scheduler.destroy();
    await services.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
