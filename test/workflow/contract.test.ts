import {
  checkpointIntervalSeconds,
  describeProblems,
  failedStepState,
  keyPrefixOf,
  PipelineNames,
} from '../../workflow/contract';

describe('the naming conventions of a pipeline', () => {
  it('It should derive every resource name from the pipeline name', () => {
    expect({
      stream: PipelineNames.stream('ticks-demo'),
      bucket: PipelineNames.bucket('ticks-demo', '123456789012', 'eu-west-1'),
      application: PipelineNames.application('ticks-demo'),
      applicationLogGroup: PipelineNames.applicationLogGroup('ticks-demo'),
      crawler: PipelineNames.crawler('ticks-demo'),
      tablePrefix: PipelineNames.tablePrefix('a-b-c'),
      csvClassifier: PipelineNames.csvClassifier('ticks-demo'),
      validationSchedule: PipelineNames.validationSchedule('ticks-demo'),
      redeployRule: PipelineNames.redeployRule('ticks-demo'),
    }).toEqual({
      stream: 'ticks-demo-ticks',
      bucket: 'flinkflow-ticks-demo-123456789012-eu-west-1',
      application: 'ticks-demo-app',
      applicationLogGroup: '/aws/kinesis-analytics/ticks-demo-app',
      crawler: 'ticks-demo-crawler',
      // Glue table names take no hyphen: every one is replaced, not only the first.
      tablePrefix: 'a_b_c_',
      csvClassifier: 'ticks-demo-csv',
      validationSchedule: 'ticks-demo-validation',
      redeployRule: 'ticks-demo-redeploy',
    });
  });

  it('It should name the marker state of a failed task after the task', () => {
    expect(failedStepState('CreateStream')).toBe('CreateStreamFailed');
  });
});

describe('the contract helpers', () => {
  it.each([
    ['code/flinkflow-app.zip', 'code/'],
    ['a/b/c.zip', 'a/b/'],
    ['top-level.zip', ''],
  ])('It should take the key prefix of %s as "%s"', (key, prefix) => {
    expect(keyPrefixOf(key)).toBe(prefix);
  });

  it.each([
    [1, 10],
    [10, 10],
    [30, 30],
    [60, 60],
    [3600, 60],
  ])('It should checkpoint a %i s window every %i s', (window, interval) => {
    expect(checkpointIntervalSeconds(window)).toBe(interval);
  });

  it('It should summarize one problem and several in one line each', () => {
    expect(describeProblems([{ field: 'pipelineName', message: 'is required' }])).toBe(
      'Invalid provisioning input (1 problem): pipelineName: is required',
    );
    expect(
      describeProblems([
        { field: 'a', message: 'x' },
        { field: 'b.c', message: 'y' },
      ]),
    ).toBe('Invalid provisioning input (2 problems): a: x; b.c: y');
  });
});
