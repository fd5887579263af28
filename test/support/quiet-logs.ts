/**
 * Import first in handler tests: the tasks' JSON logs are useful in Lambda and noise in jest output.
 * Set before the logger module loads, which reads the level once.
 */
process.env['POWERTOOLS_LOG_LEVEL'] ??= 'SILENT';
export {};
