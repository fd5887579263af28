import 'aws-sdk-client-mock-jest';

// Local clouds started by tests take a free edge port: suites run side by side, and a developer's own
// local cloud may hold the default one.
process.env['FLINKFLOW_EDGE_PORT'] ??= '0';
