/**
 * The one shape of a local service's API: a provider, an object with one method per API operation,
 * named as the API names it and typed by the AWS SDK's own `<Op>CommandInput` and `<Op>CommandOutput`.
 * The types come from the SDK package's command classes, so a method whose name is not an operation of
 * the service, or whose answer does not fit the operation's output, fails the type check.
 *
 * The input type says what a well-formed request holds; the wire can carry anything, so each operation
 * still reads its members through the request reader (common/validation.ts), which answers a missing or
 * mistyped member with the service's validation error.
 */

/** JSON 1.0/1.1 carry timestamps as epoch seconds: a Date member of an output is a number on the wire. */
export type Wire<T> = T extends Date
  ? number
  : T extends (infer E)[]
    ? Wire<E>[]
    : T extends Uint8Array
      ? T
      : T extends object
        ? { [K in keyof T]: Wire<T[K]> }
        : T;

/** What an SDK command's instance tells of its operation: the input it sends and the output it returns. */
type CommandShape<I, O> = {
  readonly input: I;
  resolveMiddleware(...args: never[]): (...args: never[]) => Promise<{ output: O }>;
};

/** The answer an operation's method gives: the SDK output without the response metadata, as JSON carries it. */
export type OutputOf<O> = Wire<Omit<O, '$metadata'>>;

/**
 * Every operation of an SDK client package (`typeof import('@aws-sdk/client-glue')`): for each
 * `<Op>Command` class, a method `<Op>(input: <Op>CommandInput): <Op>CommandOutput`.
 */
export type ApiOf<Sdk> = {
  [
    K in keyof Sdk as K extends `${infer Op}Command`
      ? Op extends '$' // `$Command`, the SDK's command builder, is no operation
        ? never
        : Sdk[K] extends abstract new (...args: never[]) => CommandShape<object, object>
          ? Op
          : never
      : never
  ]: Sdk[K] extends abstract new (...args: never[]) => CommandShape<infer I, infer O>
    ? (input: I) => OutputOf<O> | Promise<OutputOf<O>>
    : never;
};

/**
 * A local service's provider: some of its API's operations. One it does not implement is answered as
 * AWS answers an unknown operation (the dispatcher finds no method of that name).
 */
export type ProviderOf<Sdk> = Partial<ApiOf<Sdk>>;

/**
 * A provider whose operation names and inputs are the SDK's but whose answers are not checked against the
 * SDK's outputs: Managed Flink's, whose application detail is built as plain JSON (flink/describe.ts) and
 * checked by the endpoint tests through the SDK instead.
 */
export type InputTypedProviderOf<Sdk> = {
  [Op in keyof ApiOf<Sdk>]?: ApiOf<Sdk>[Op] extends (input: infer I) => unknown
    ? (input: I) => unknown
    : never;
};

/**
 * A local JSON service as `startServices` mounts it: its provider, and one way to end it. Creating the
 * service starts it (its store loaded from the data folder where it keeps one); `shutdown` waits for
 * its background work (crawls, queries, jobs, executions), saves what it keeps and releases its engines.
 */
export interface LocalJsonService<P extends object> {
  provider: P;
  shutdown(): Promise<void>;
}
