/** The producer was given options it cannot run with; the message names the option and how to fix it. */
export class ProducerInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProducerInputError';
  }
}

/** Some records were still rejected by Kinesis after every allowed attempt. */
export class RecordsNotDeliveredError extends Error {
  constructor(
    /** How many records of the batch were never accepted. */
    readonly undelivered: number,
    /** The last ErrorCode Kinesis reported for each undelivered record, counted by code. */
    readonly errorCodes: Record<string, number>,
    attempts: number,
    options?: { cause?: unknown },
  ) {
    const codes = Object.entries(errorCodes)
      .map(([code, n]) => `${code} x${n}`)
      .join(', ');
    super(`${undelivered} record(s) were not accepted after ${attempts} attempt(s): ${codes}`, options);
    this.name = 'RecordsNotDeliveredError';
  }
}
