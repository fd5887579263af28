/**
 * PublishVerdict: one CloudWatch metric per check (namespace flinkflow/Validation, dimensions Pipeline
 * and Check, 1 passed and 0 failed: an alarm on its minimum watches a check), and an SNS message to the
 * verdict topic naming the failing checks and their values when any failed.
 */
import { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { PublishCommand } from '@aws-sdk/client-sns';
import {
  CrawlState,
  ValidationMetricNamespace,
  type CrawlExecutionState,
  type VerdictPublication,
} from '../../workflow/crawl-contract';
import { requireCrawlState } from '../shared/crawl-state';
import { taskHandler } from '../shared/handler';
import { resolveDeps, type TaskDeps } from '../shared/runtime';
import { withTransientErrors } from '../shared/transient';
import { verdictMessage } from '../shared/validation';

/** The metric each check writes. */
export const CheckPassedMetric = 'CheckPassed';

export const run = withTransientErrors(
  async (event: CrawlExecutionState, deps: Partial<TaskDeps> = {}): Promise<VerdictPublication> => {
    const { config, verdict } = requireCrawlState(event, CrawlState.PublishVerdict, 'verdict');
    const d = resolveDeps(deps);
    await d.clients.cloudWatch.send(
      new PutMetricDataCommand({
        Namespace: ValidationMetricNamespace,
        MetricData: verdict.checks.map((check) => ({
          MetricName: CheckPassedMetric,
          Dimensions: [
            { Name: 'Pipeline', Value: config.pipelineName },
            { Name: 'Check', Value: check.check },
          ],
          // The instant measured, so that a retried task writes the same datapoint.
          Timestamp: new Date(verdict.asOf),
          Value: check.passed ? 1 : 0,
          Unit: 'Count',
        })),
      }),
    );
    if (verdict.passed) return { metrics: verdict.checks.length };
    const message = verdictMessage(verdict);
    const published = await d.clients.sns.send(
      new PublishCommand({
        TopicArn: config.verdictTopicArn,
        Subject: message.subject,
        Message: message.body,
        MessageAttributes: {
          pipeline: { DataType: 'String', StringValue: config.pipelineName },
          failed: { DataType: 'String', StringValue: verdict.failed.join(',') },
        },
      }),
    );
    return {
      metrics: verdict.checks.length,
      ...(published.MessageId ? { notificationId: published.MessageId } : {}),
    };
  },
);

export const handler = taskHandler(CrawlState.PublishVerdict, (event: CrawlExecutionState) => run(event));
