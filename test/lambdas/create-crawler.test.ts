import '../support/quiet-logs';
import {
  CreateClassifierCommand,
  CreateCrawlerCommand,
  GlueClient,
  StartCrawlerScheduleCommand,
  UpdateClassifierCommand,
  UpdateCrawlerCommand,
} from '@aws-sdk/client-glue';
import { mockClient } from 'aws-sdk-client-mock';
import { ErrorName } from '../../workflow/contract';
import { handler, run } from '../../lambdas/create-crawler';
import { logger } from '../../lambdas/shared/logger';
import { awsError } from '../support/aws-errors';
import { fakeLambdaContext } from '../support/lambda-context';
import { testState } from '../support/provisioning';

const glue = mockClient(GlueClient);

const desired = {
  Name: 'ticks-demo-crawler',
  Role: 'arn:aws:iam::123456789012:role/flinkflow-crawler',
  DatabaseName: 'flinkflow',
  Targets: {
    S3Targets: [
      {
        Path: 's3://flinkflow-ticks-demo-123456789012-eu-west-1/output/',
        Exclusions: ['**/_SUCCESS', '**/.*', '**/*.inprogress*', '**/_temporary/**'],
      },
    ],
  },
  Classifiers: ['ticks-demo-csv'],
  TablePrefix: 'ticks_demo_',
  SchemaChangePolicy: { UpdateBehavior: 'UPDATE_IN_DATABASE', DeleteBehavior: 'LOG' },
};

const classifier = {
  Name: 'ticks-demo-csv',
  Delimiter: ',',
  ContainsHeader: 'ABSENT',
  Header: ['window_end', 'window_start', 'avg_price', 'event_count'],
};

describe('CreateCrawler', () => {
  beforeEach(() => {
    glue.reset();
    glue.on(CreateClassifierCommand).resolves({});
  });

  it('It should create the CSV classifier and the crawler on the output path, without a Glue schedule', async () => {
    // Prepare
    glue.on(CreateCrawlerCommand).resolves({});

    // Act
    const result = await run(testState());

    // Assess
    expect(result).toEqual({
      crawlerName: 'ticks-demo-crawler',
      created: true,
      classifierName: 'ticks-demo-csv',
    });
    expect(glue).toHaveReceivedCommandWith(CreateClassifierCommand, {
      CsvClassifier: expect.objectContaining(classifier),
    });
    expect(glue).toHaveReceivedCommandWith(CreateCrawlerCommand, {
      ...desired,
      Tags: { 'flinkflow:pipeline': 'ticks-demo' },
    });
    const request = glue.commandCalls(CreateCrawlerCommand)[0]?.args[0].input;
    expect(request).not.toHaveProperty('Schedule');
    expect(glue.commandCalls(StartCrawlerScheduleCommand)).toHaveLength(0);
    expect(JSON.parse(request?.Configuration ?? '{}')).toEqual({
      Version: 1,
      Grouping: { TableGroupingPolicy: 'CombineCompatibleSchemas', TableLevelConfiguration: 2 },
      CrawlerOutput: { Partitions: { AddOrUpdateBehavior: 'InheritFromTable' } },
    });
  });

  it('It should update an existing classifier and crawler, removing the crawler’s old schedule', async () => {
    // Prepare
    glue.on(CreateClassifierCommand).rejects(awsError('AlreadyExistsException'));
    glue.on(UpdateClassifierCommand).resolves({});
    glue.on(CreateCrawlerCommand).rejects(awsError('AlreadyExistsException'));
    glue.on(UpdateCrawlerCommand).resolves({});

    // Act
    const result = await run(testState());

    // Assess
    expect(result.created).toBe(false);
    expect(glue).toHaveReceivedCommandWith(UpdateClassifierCommand, {
      CsvClassifier: expect.objectContaining(classifier),
    });
    expect(glue).toHaveReceivedCommandWith(UpdateCrawlerCommand, { ...desired, Schedule: '' });
  });

  it('It should retry (TransientError) when the existing crawler is running and cannot be updated', async () => {
    // Prepare
    glue.on(CreateCrawlerCommand).rejects(awsError('AlreadyExistsException'));
    glue.on(UpdateCrawlerCommand).rejects(awsError('CrawlerRunningException'));

    // Act
    const act = run(testState());

    // Assess
    await expect(act).rejects.toMatchObject({
      name: ErrorName.Transient,
      message: expect.stringMatching(/is running/),
    });
  });

  it('It should pass a classifier error other than AlreadyExists through, before touching the crawler', async () => {
    // Prepare
    glue.on(CreateClassifierCommand).rejects(awsError('InvalidInputException'));

    // Act
    const act = run(testState());

    // Assess
    await expect(act).rejects.toMatchObject({ name: 'InvalidInputException' });
    expect(glue.commandCalls(CreateCrawlerCommand)).toHaveLength(0);
  });

  it.each([
    ['OperationTimeoutException', 400],
    ['ThrottlingException', 400],
    ['InternalServiceException', 500],
  ])('It should turn %s into a TransientError', async (code, statusCode) => {
    // Prepare
    glue.on(CreateCrawlerCommand).rejects(awsError(code, { statusCode }));

    // Act
    const act = run(testState());

    // Assess
    await expect(act).rejects.toMatchObject({ name: ErrorName.Transient });
  });

  it.each([
    'InvalidInputException',
    'EntityNotFoundException',
    'ResourceNumberLimitExceededException',
    'AccessDeniedException',
  ])('It should pass %s through unchanged', async (code) => {
    // Prepare
    glue.on(CreateCrawlerCommand).rejects(awsError(code));

    // Act
    const act = run(testState());

    // Assess
    await expect(act).rejects.toMatchObject({ name: code });
  });

  it('It should run through the middy handler', async () => {
    // Prepare
    glue.on(CreateCrawlerCommand).resolves({});

    // Act
    const result = await handler(testState(), fakeLambdaContext());

    // Assess
    expect(result.created).toBe(true);
  });

  it('It should describe what the crawler catalogs and recrawl every folder, since files land in existing partitions', async () => {
    // Prepare
    glue.on(CreateCrawlerCommand).resolves({});

    // Act
    await run(testState());

    // Assess
    expect(glue).toHaveReceivedCommandWith(CreateCrawlerCommand, {
      Description:
        'flinkflow pipeline ticks-demo: catalogs s3://flinkflow-ticks-demo-123456789012-eu-west-1/output/',
      RecrawlPolicy: { RecrawlBehavior: 'CRAWL_EVERYTHING' },
    });
  });

  it('It should log the update of an existing crawler, and keep the service error as the cause of a running one', async () => {
    // Prepare
    const info = jest.spyOn(logger, 'info');
    const running = awsError('CrawlerRunningException');
    glue.on(CreateCrawlerCommand).rejects(awsError('AlreadyExistsException'));
    glue.on(UpdateCrawlerCommand).rejects(running);

    try {
      // Act / Assess
      await expect(run(testState())).rejects.toMatchObject({
        message: 'Crawler ticks-demo-crawler is running; it can be updated once the crawl ends',
        cause: running,
      });
      expect(info).toHaveBeenCalledWith('crawler exists; updating it to the desired configuration', {
        crawlerName: 'ticks-demo-crawler',
      });
    } finally {
      info.mockRestore();
    }
  });

  it('It should pass another UpdateCrawler error through unchanged', async () => {
    // Prepare
    glue.on(CreateCrawlerCommand).rejects(awsError('AlreadyExistsException'));
    glue.on(UpdateCrawlerCommand).rejects(awsError('InvalidInputException'));

    // Act / Assess
    await expect(run(testState())).rejects.toMatchObject({ name: 'InvalidInputException' });
    expect(glue).not.toHaveReceivedCommand(StartCrawlerScheduleCommand);
  });
});
