import {
  ProgressRenderer,
  describeCause,
  formatDuration,
  progressFromHistory,
  type ProgressEvent,
} from '../../cli/progress';

const t0 = Date.UTC(2026, 10, 25, 12, 0, 0);

describe('ProgressRenderer', () => {
  it('It should print each state as it starts and ends, with its duration and the time since the start', () => {
    // Prepare
    const renderer = new ProgressRenderer();

    // Act
    const lines = [
      ...renderer.render({ type: 'stateEntered', state: 'ValidateInput', at: t0 }),
      ...renderer.render({ type: 'stateExited', state: 'ValidateInput', at: t0 + 300 }),
      ...renderer.render({ type: 'stateEntered', state: 'CreateStream', at: t0 + 400 }),
      ...renderer.render({
        type: 'taskFailed',
        error: 'TransientError',
        cause: '{"errorMessage":"Rate exceeded\\nmore"}',
        at: t0 + 900,
      }),
      // The retry: the history schedules the function again.
      ...renderer.render({ type: 'taskScheduled', at: t0 + 1900 }),
      ...renderer.render({ type: 'stateExited', state: 'CreateStream', at: t0 + 2900 }),
      ...renderer.render({ type: 'executionSucceeded', output: {}, at: t0 + 185_000 }),
    ];

    // Assess
    expect(lines).toEqual([
      '[+    0.0 s] > ValidateInput',
      '[+    0.3 s] ok ValidateInput (0.3 s)',
      '[+    0.4 s] > CreateStream',
      '[+    0.9 s] !! CreateStream attempt failed: TransientError: Rate exceeded',
      '[+    2.9 s] ok CreateStream (2.5 s)',
      '[+3 min 05 s] Execution SUCCEEDED in 3 min 05 s',
    ]);
  });

  it('It should explain a failed execution from the failure document in its cause', () => {
    // Prepare
    const renderer = new ProgressRenderer();
    const cause = JSON.stringify({
      failedStep: 'StartApplication',
      error: 'ApplicationStartFailedError',
      cause: 'The application went to READY: the job failed',
      existingResources: [
        { kind: 'stream', name: 'ticks-demo-ticks' },
        { kind: 'bucket', name: 'b' },
      ],
    });

    // Act
    const lines = renderer.render({
      type: 'executionFailed',
      status: 'FAILED',
      error: 'ApplicationStartFailedError',
      cause,
      at: t0,
    });

    // Assess
    expect(lines).toEqual([
      '[+    0.0 s] Execution FAILED after 0.0 s: ApplicationStartFailedError',
      '    failed step: StartApplication',
      '    error: ApplicationStartFailedError: The application went to READY: the job failed',
      '    resources that exist now: stream ticks-demo-ticks, bucket b',
    ]);
  });
});

describe('progressFromHistory', () => {
  it('It should read state, failure and end events of a Step Functions history and skip the rest', () => {
    // Prepare
    const at = new Date(t0);

    // Act
    const events = [
      progressFromHistory({
        id: 2,
        type: 'TaskStateEntered',
        timestamp: at,
        stateEnteredEventDetails: { name: 'CreateBucket' },
      }),
      progressFromHistory({ id: 3, type: 'LambdaFunctionScheduled', timestamp: at }),
      progressFromHistory({
        id: 4,
        type: 'LambdaFunctionFailed',
        timestamp: at,
        lambdaFunctionFailedEventDetails: { error: 'TransientError', cause: 'x' },
      }),
      progressFromHistory({
        id: 5,
        type: 'ChoiceStateExited',
        timestamp: at,
        stateExitedEventDetails: { name: 'IsApplicationRunning' },
      }),
      progressFromHistory({
        id: 6,
        type: 'ExecutionSucceeded',
        timestamp: at,
        executionSucceededEventDetails: { output: '{"a":1}' },
      }),
      progressFromHistory({ id: 7, type: 'ExecutionTimedOut', timestamp: at }),
    ];

    // Assess
    expect(events).toEqual([
      { type: 'stateEntered', state: 'CreateBucket', at: t0 },
      { type: 'taskScheduled', at: t0 },
      { type: 'taskFailed', error: 'TransientError', cause: 'x', at: t0 },
      { type: 'stateExited', state: 'IsApplicationRunning', at: t0 },
      { type: 'executionSucceeded', output: { a: 1 }, at: t0 },
      {
        type: 'executionFailed',
        status: 'TIMED_OUT',
        error: 'States.Timeout',
        cause: 'The execution ran past its timeout.',
        at: t0,
      },
    ]);
  });
});

describe('formatDuration and describeCause', () => {
  it('It should show seconds with one decimal below two minutes and minutes above', () => {
    // Act / Assess
    expect([
      formatDuration(0),
      formatDuration(1234),
      formatDuration(119_940),
      formatDuration(125_000),
    ]).toEqual(['0.0 s', '1.2 s', '119.9 s', '2 min 05 s']);
  });

  it('It should keep a plain-text cause as it is', () => {
    // Act / Assess
    expect(describeCause('States.Timeout')).toEqual(['States.Timeout']);
    expect(describeCause('')).toEqual([]);
  });
});

describe('ProgressRenderer polling loops', () => {
  it('It should print a polling loop in full once, then one line per round, and go on in full after it', () => {
    // Prepare: Wait -> Describe -> Choice, three rounds, then CreateCrawler.
    const renderer = new ProgressRenderer();
    const loop = ['WaitBeforeStatusCheck', 'DescribeApplication', 'IsApplicationRunning'];
    let at = t0;
    const lines: string[] = [];

    // Act
    for (let round = 0; round < 3; round++) {
      for (const state of loop) {
        lines.push(...renderer.render({ type: 'stateEntered', state, at: (at += 1000) }));
        lines.push(...renderer.render({ type: 'stateExited', state, at: (at += 1000) }));
      }
    }
    lines.push(...renderer.render({ type: 'stateEntered', state: 'CreateCrawler', at: at + 1000 }));

    // Assess
    expect(lines).toEqual([
      '[+    0.0 s] > WaitBeforeStatusCheck',
      '[+    1.0 s] ok WaitBeforeStatusCheck (1.0 s)',
      '[+    2.0 s] > DescribeApplication',
      '[+    3.0 s] ok DescribeApplication (1.0 s)',
      '[+    4.0 s] > IsApplicationRunning',
      '[+    5.0 s] ok IsApplicationRunning (1.0 s)',
      '[+    6.0 s] .. round 2 of WaitBeforeStatusCheck',
      '[+   12.0 s] .. round 3 of WaitBeforeStatusCheck (WaitBeforeStatusCheck -> DescribeApplication -> IsApplicationRunning)',
      '[+   18.0 s] > CreateCrawler',
    ]);
  });
});

describe('ProgressRenderer failed attempts', () => {
  it('It should say a state failed when a Catch ends it, and ok when a retry succeeds', () => {
    // Prepare
    const renderer = new ProgressRenderer();
    const failure = { error: 'TransientError', cause: 'throttled' };

    // Act
    const lines = [
      { type: 'stateEntered', state: 'CreateStream', at: t0 },
      { type: 'taskScheduled', at: t0 },
      { type: 'taskFailed', ...failure, at: t0 + 1000 },
      { type: 'taskScheduled', at: t0 + 3000 },
      { type: 'stateExited', state: 'CreateStream', at: t0 + 4000 },
      { type: 'stateEntered', state: 'UploadCode', at: t0 + 4000 },
      { type: 'taskScheduled', at: t0 + 4000 },
      { type: 'taskFailed', ...failure, at: t0 + 5000 },
      { type: 'stateExited', state: 'UploadCode', at: t0 + 5000 },
    ].flatMap((event) => renderer.render(event as ProgressEvent));

    // Assess
    expect(lines).toEqual([
      '[+    0.0 s] > CreateStream',
      '[+    1.0 s] !! CreateStream attempt failed: TransientError: throttled',
      '[+    4.0 s] ok CreateStream (4.0 s)',
      '[+    4.0 s] > UploadCode',
      '[+    5.0 s] !! UploadCode attempt failed: TransientError: throttled',
      '[+    5.0 s] failed UploadCode (1.0 s)',
    ]);
  });
});
