import '../support/quiet-logs';
import {
  DeleteCrawlerCommand,
  GetCrawlerCommand,
  GlueClient,
  StopCrawlerCommand,
} from '@aws-sdk/client-glue';
import { mockClient } from 'aws-sdk-client-mock';
import { CRAWL_STOP_WAIT, run } from '../../lambdas/delete-crawler';
import { awsError } from '../support/aws-errors';
import { teardownState } from '../support/teardown-state';
import { fakeTime } from '../support/time';

const glue = mockClient(GlueClient);
beforeEach(() => glue.reset());

const crawler = (State: 'READY' | 'RUNNING' | 'STOPPING') => ({
  Crawler: { Name: 'ticks-demo-crawler', State },
});

describe('DeleteCrawler', () => {
  it('It should delete a READY crawler at once', async () => {
    // Prepare
    glue.on(GetCrawlerCommand).resolves(crawler('READY'));
    glue.on(DeleteCrawlerCommand).resolves({});

    // Act
    const result = await run(teardownState(), fakeTime());

    // Assess
    expect(glue).toHaveReceivedCommandWith(DeleteCrawlerCommand, { Name: 'ticks-demo-crawler' });
    expect(glue).not.toHaveReceivedCommand(StopCrawlerCommand);
    expect(result.resources[0]).toMatchObject({ kind: 'crawler', outcome: 'removed' });
  });

  it('It should stop a running crawl and wait for READY before deleting', async () => {
    // Prepare
    glue
      .on(GetCrawlerCommand)
      .resolvesOnce(crawler('RUNNING'))
      .resolvesOnce(crawler('STOPPING'))
      .resolvesOnce(crawler('STOPPING'))
      .resolves(crawler('READY'));
    glue.on(StopCrawlerCommand).resolves({});
    glue.on(DeleteCrawlerCommand).resolves({});
    const time = fakeTime();

    // Act
    const result = await run(teardownState(), time);

    // Assess
    expect(glue).toHaveReceivedCommandTimes(GetCrawlerCommand, 4);
    expect(time.sleeps).toEqual([2000, 4000]);
    expect(result.resources[0]).toMatchObject({ outcome: 'removed', detail: 'its crawl was stopped first' });
  });

  it('It should fail with TransientError when the crawl does not end in time, leaving the crawler', async () => {
    // Prepare
    glue.on(GetCrawlerCommand).resolvesOnce(crawler('RUNNING')).resolves(crawler('STOPPING'));
    glue.on(StopCrawlerCommand).rejects(awsError('CrawlerStoppingException'));

    // Act
    const act = run(teardownState(), { ...fakeTime(), wait: CRAWL_STOP_WAIT });

    // Assess
    await expect(act).rejects.toMatchObject({ name: 'TransientError' });
    expect(glue).not.toHaveReceivedCommand(DeleteCrawlerCommand);
  });

  it('It should take a missing crawler as already gone', async () => {
    // Prepare
    glue.on(GetCrawlerCommand).rejects(awsError('EntityNotFoundException'));

    // Act
    const result = await run(teardownState(), fakeTime());

    // Assess
    expect(result.resources[0]?.outcome).toBe('alreadyGone');
  });
});
