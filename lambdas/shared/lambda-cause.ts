/** Lambda reports a function error's Cause as JSON ({errorType, errorMessage, trace}); keep the message. */
export function readableCause(cause: string | undefined): string {
  if (!cause) return 'no cause given';
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    if (typeof parsed.errorMessage === 'string') return parsed.errorMessage;
  } catch {
    // Not JSON: Step Functions' own errors (States.Timeout, ...) carry plain text.
  }
  return cause;
}
