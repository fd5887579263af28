/**
 * PreflightCode: reads the new code zip (the exact object version the event named) and runs the
 * pre-flight check against the application's runtime and run options before anything touches the
 * application. A bad zip fails here with every problem listed; the running job is left as it is.
 */
import { GetObjectCommand } from '@aws-sdk/client-s3';
import {
  RedeployState,
  type PreflightResult,
  type RedeployExecutionState,
} from '../../workflow/redeploy-contract';
import { httpStatusOf, isAwsError } from '../shared/aws';
import { checkCodeZip } from '../shared/code-preflight';
import { InvalidCodeError, TransientError } from '../shared/errors';
import { taskHandler } from '../shared/handler';
import { requireRedeployState } from '../shared/redeploy-state';
import { resolveDeps, type TaskDeps } from '../shared/runtime';
import { withTransientErrors } from '../shared/transient';

/**
 * The largest zip read into memory. The function has 1 GB and Managed Flink's own limit for the code
 * object is far above what the job needs (about 50 MB); a zip past this is refused with the reason.
 */
export const MAX_ZIP_BYTES = 512 * 1024 * 1024;

export const run = withTransientErrors(
  async (event: RedeployExecutionState, deps: Partial<TaskDeps> = {}): Promise<PreflightResult> => {
    const { config } = requireRedeployState(event, RedeployState.PreflightCode);
    const d = resolveDeps(deps);
    const where = `s3://${config.bucketName}/${config.key} (version ${config.versionId})`;
    let out;
    try {
      out = await d.clients.s3.send(
        new GetObjectCommand({ Bucket: config.bucketName, Key: config.key, VersionId: config.versionId }),
      );
    } catch (error) {
      if (isAwsError(error, 'NoSuchKey', 'NoSuchVersion', 'NotFound') || httpStatusOf(error) === 404) {
        throw new InvalidCodeError(
          `The code zip ${where} does not exist (deleted since the upload?); upload it again`,
          {
            cause: error,
          },
        );
      }
      throw error;
    }
    if (!out.Body) throw new TransientError(`GetObject ${where} returned no body`);
    if ((out.ContentLength ?? 0) > MAX_ZIP_BYTES) {
      throw new InvalidCodeError(
        `The code zip ${where} is ${out.ContentLength} bytes, more than the ${MAX_ZIP_BYTES} the pre-flight reads; the job's zip is about 50 MB, rebuild it with make flink-zip`,
      );
    }
    const chunks: Uint8Array[] = [];
    for await (const chunk of out.Body as AsyncIterable<Uint8Array>) chunks.push(chunk);
    const zip = Buffer.concat(chunks);
    const report = checkCodeZip(zip, config.runtime, config.runOptions);
    if (report.problems.length > 0) {
      throw new InvalidCodeError(
        `The code zip ${where} fails its pre-flight check against ${config.runtime} (${report.problems.length} problem${report.problems.length === 1 ? '' : 's'}): ${report.problems.join('; ')}. The application was not changed.`,
      );
    }
    return { sizeBytes: zip.length, passed: report.passed };
  },
);

export const handler = taskHandler(RedeployState.PreflightCode, (event: RedeployExecutionState) =>
  run(event),
);
