/** The sample producer: stock ticks as the walkthrough made them, put on Kinesis the efficient way. */
export * from './batching';
export * from './clock';
export * from './errors';
export * from './events';
export * from './producer';
export * from './token-bucket';
