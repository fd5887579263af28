/**
 * DescribeFailure: the last stop of every failed execution. It turns the caught error into a
 * ProvisionFailure that says which step failed, why, and which of the pipeline's resources exist now
 * (made by this execution or an earlier one), so the user knows what to fix and what to clean up.
 * It never fails because of a resource it cannot check: it says so in the message instead.
 */
import { DescribeStreamSummaryCommand } from '@aws-sdk/client-kinesis';
import { GetCrawlerCommand } from '@aws-sdk/client-glue';
import { DescribeApplicationCommand } from '@aws-sdk/client-kinesis-analytics-v2';
import { HeadBucketCommand } from '@aws-sdk/client-s3';
import {
  ProvisionState,
  type ProvisionConfig,
  type ProvisionExecutionState,
  type ProvisionFailure,
} from '../../workflow/contract';
import { bucketArn, httpStatusOf, isAwsError } from '../shared/aws';
import { taskHandler } from '../shared/handler';
import { logger } from '../shared/logger';
import { resolveDeps, type TaskDeps } from '../shared/runtime';

/**
 * ProvisionFailure plus one readable sentence for the execution's output and the CLI; each existing
 * resource also carries its status where the service reports one.
 */
export interface DescribeFailureResult extends ProvisionFailure {
  existingResources: Array<ProvisionFailure['existingResources'][number] & { status?: string }>;
  message: string;
}

type ExistingResource = ProvisionFailure['existingResources'][number];
type Probe = {
  kind: string;
  name: string;
  check: () => Promise<(ExistingResource & { status?: string }) | undefined>;
};

const NOT_FOUND = ['ResourceNotFoundException', 'EntityNotFoundException', 'NotFound', 'NoSuchBucket'];

import { readableCause } from '../shared/lambda-cause';

export { readableCause };

function probes(deps: TaskDeps, config: ProvisionConfig): Probe[] {
  const { kinesis, s3, kinesisAnalytics, glue } = deps.clients;
  return [
    {
      kind: 'stream',
      name: config.streamName,
      check: async () => {
        const out = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: config.streamName }));
        const s = out.StreamDescriptionSummary;
        return {
          kind: 'stream',
          name: config.streamName,
          ...(s?.StreamARN ? { arn: s.StreamARN } : {}),
          ...(s?.StreamStatus ? { status: s.StreamStatus } : {}),
        };
      },
    },
    {
      kind: 'bucket',
      name: config.bucketName,
      check: async () => {
        await s3.send(
          new HeadBucketCommand({ Bucket: config.bucketName, ExpectedBucketOwner: config.account }),
        );
        return { kind: 'bucket', name: config.bucketName, arn: bucketArn(config) };
      },
    },
    {
      kind: 'application',
      name: config.applicationName,
      check: async () => {
        const out = await kinesisAnalytics.send(
          new DescribeApplicationCommand({ ApplicationName: config.applicationName }),
        );
        const a = out.ApplicationDetail;
        return {
          kind: 'application',
          name: config.applicationName,
          ...(a?.ApplicationARN ? { arn: a.ApplicationARN } : {}),
          ...(a?.ApplicationStatus ? { status: a.ApplicationStatus } : {}),
        };
      },
    },
    {
      kind: 'crawler',
      name: config.crawlerName,
      check: async () => {
        const out = await glue.send(new GetCrawlerCommand({ Name: config.crawlerName }));
        return {
          kind: 'crawler',
          name: config.crawlerName,
          ...(out.Crawler?.State ? { status: out.Crawler.State } : {}),
        };
      },
    },
  ];
}

/** Ends a cause with a full stop, so the next sentence of the message reads as one. */
function sentence(text: string): string {
  return /[.!?)]$/.test(text.trim()) ? text.trim() : `${text.trim()}.`;
}

function isNotFound(error: unknown): boolean {
  return isAwsError(error, ...NOT_FOUND) || httpStatusOf(error) === 404;
}

/** DescribeFailure's logic: the failure document, with the resources that exist now. */
export async function run(
  event: ProvisionExecutionState,
  deps: Partial<TaskDeps> = {},
): Promise<DescribeFailureResult> {
  const failedStep = event.failedStep ?? 'an unknown step';
  const error = event.error?.Error ?? 'UnknownError';
  const cause = readableCause(event.error?.Cause);
  const config = event.config as ProvisionConfig | undefined;

  const existing: Array<ExistingResource & { status?: string }> = [];
  const unchecked: string[] = [];
  if (config?.pipelineName) {
    const d = resolveDeps(deps);
    const results = await Promise.all(
      probes(d, config).map(async (probe) => {
        try {
          return { probe, found: await probe.check() };
        } catch (e) {
          // Stryker disable next-line ObjectLiteral: a result without `found` and without `failed` is read the same as this one.
          if (isNotFound(e)) return { probe, found: undefined };
          logger.warn('could not check a resource', { kind: probe.kind, name: probe.name, error: String(e) });
          return { probe, found: undefined, failed: e instanceof Error ? e.name : 'error' };
        }
      }),
    );
    for (const r of results) {
      if (r.found) existing.push(r.found);
      if ('failed' in r) unchecked.push(`${r.probe.kind} ${r.probe.name} (${r.failed})`);
    }
  }

  const subject = config?.pipelineName ? `Provisioning of pipeline ${config.pipelineName}` : 'Provisioning';
  const exists = existing.length
    ? `Resources that exist now: ${existing.map((r) => `${r.kind} ${r.name}${r.status ? ` (${r.status})` : ''}`).join(', ')}.`
    : config?.pipelineName
      ? "None of the pipeline's resources exist."
      : 'Nothing was created (the input was not validated).';
  const notChecked = unchecked.length ? ` Could not check: ${unchecked.join(', ')}.` : '';
  const message =
    `${subject} failed at ${failedStep} with ${error}: ${sentence(cause)} ${exists}${notChecked} ` +
    'Every step is idempotent: fix the cause and run provisioning again, or remove the resources listed.';

  return {
    failedStep,
    error,
    cause,
    existingResources: existing,
    message,
  };
}

export const handler = taskHandler(ProvisionState.DescribeFailure, (event: ProvisionExecutionState) =>
  run(event),
);
