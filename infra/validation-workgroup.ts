/**
 * The validation queries' Athena workgroup configuration, in one place for both clouds: the stack
 * (infra/orchestrator-stack.ts, through crawl-and-query.ts) and the local cloud's deployment
 * (local/stepfunctions/crawl-deployment.ts) make the same workgroup from it. No CDK import, so the
 * local deployment does not load aws-cdk-lib.
 */

/** The workgroup's name unless the stack is told otherwise (OrchestratorStackProps.athenaWorkGroupName). */
export const DefaultValidationWorkGroup = 'flinkflow';

/**
 * The default scan cutoff per query: 1 GiB. The validation queries read minutes of one-minute aggregates
 * (kilobytes); a query that reads a gigabyte is a mistake.
 */
export const DefaultBytesScannedCutoffPerQuery = 1024 ** 3;

export interface ValidationWorkGroupSettings {
  /** `s3://bucket/prefix/` where query results go (enforced: clients cannot choose another). */
  outputLocation: string;
  /** Athena cancels a query that would scan more. */
  bytesScannedCutoffPerQuery: number;
}

/**
 * The workgroup's configuration in Athena's API shape (CreateWorkGroup `Configuration`): enforced result
 * location and encryption, the scan cutoff, CloudWatch metrics.
 */
export function validationWorkGroupConfiguration(settings: ValidationWorkGroupSettings) {
  return {
    EnforceWorkGroupConfiguration: true,
    PublishCloudWatchMetricsEnabled: true,
    BytesScannedCutoffPerQuery: settings.bytesScannedCutoffPerQuery,
    ResultConfiguration: {
      OutputLocation: settings.outputLocation,
      EncryptionConfiguration: { EncryptionOption: 'SSE_S3' as const },
    },
  };
}
