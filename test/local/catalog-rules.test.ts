/**
 * The pure rules behind the readable catalog, case by case: how a custom CSV classifier reads a file,
 * and which partitions a query's WHERE clause lets Athena skip. (No servers: these run in milliseconds.)
 */
import type { CsvClassifier } from '@aws-sdk/client-glue';
import { DuckDBInstance } from '@duckdb/node-api';
import { partitionPredicate, referencedColumns } from '../../local/athena/engine';
import { classifyCsv, customValueType } from '../../local/glue/classifiers';
import { OutputColumns } from '../../workflow/contract';

const sinkLines =
  '2024-03-01 10:01:00.000,2024-03-01 10:00:00.000,50.25,12\n2024-03-01 10:02:00.000,2024-03-01 10:01:00.000,51.0,9\n';
const pipeline: CsvClassifier = {
  Name: 'p',
  Header: OutputColumns.map((c) => c.name),
  ContainsHeader: 'ABSENT',
  Delimiter: ',',
};

describe('A custom CSV classifier', () => {
  it('It should name the columns from Header and type them as the built-in classifier does', () => {
    // Act
    const result = classifyCsv(sinkLines, false, pipeline);

    // Assess
    expect(result).toEqual({
      delimiter: ',',
      quote: '"',
      quoted: false,
      hasHeader: false,
      columns: [
        { Name: 'window_end', Type: 'string' },
        { Name: 'window_start', Type: 'string' },
        { Name: 'avg_price', Type: 'double' },
        { Name: 'event_count', Type: 'bigint' },
      ],
      sampledRecords: 2,
    });
  });

  it('It should not take a file whose width is not the Header length, or a single column without AllowSingleColumn', () => {
    // Act
    const narrow = classifyCsv('a,1\nb,2\n', false, pipeline);
    const single = classifyCsv('a\nb\n', false, { Name: 's' });
    const singleAllowed = classifyCsv('a\nb\n', false, { Name: 's', AllowSingleColumn: true });
    const ragged = classifyCsv('a,1\nb,2,3\n', false, { Name: 'r' });

    // Assess
    expect(narrow).toBeUndefined();
    expect(single).toBeUndefined();
    expect(singleAllowed?.columns).toEqual([{ Name: 'col0', Type: 'string' }]);
    expect(ragged).toBeUndefined();
  });

  it('It should take the first row as the header when PRESENT, detect it when UNKNOWN, and let Header rename it', () => {
    // Prepare
    const withHeader = 'Ticker;Price\nAAPL;1.5\nMSFT;2\n';

    // Act
    const present = classifyCsv(withHeader, false, { Name: 'x', Delimiter: ';', ContainsHeader: 'PRESENT' });
    const unknown = classifyCsv(withHeader, false, { Name: 'x', Delimiter: ';' });
    const renamed = classifyCsv(withHeader, false, {
      Name: 'x',
      Delimiter: ';',
      ContainsHeader: 'PRESENT',
      Header: ['symbol', 'usd'],
    });
    const absent = classifyCsv(withHeader, false, { Name: 'x', Delimiter: ';', ContainsHeader: 'ABSENT' });

    // Assess
    expect(present?.columns).toEqual([
      { Name: 'ticker', Type: 'string' },
      { Name: 'price', Type: 'double' },
    ]);
    expect(unknown?.hasHeader).toBe(true);
    expect(renamed?.columns.map((c) => c.Name)).toEqual(['symbol', 'usd']);
    expect(absent).toMatchObject({ hasHeader: false, sampledRecords: 3 });
    expect(absent?.columns.map((c) => c.Type)).toEqual(['string', 'string']);
  });

  it('It should add the custom datatypes it configures: TIMESTAMP, DATE, SHORT and INT', () => {
    // Prepare
    const custom = new Set(['TIMESTAMP', 'DATE', 'SHORT', 'INT']);

    // Act
    const types = [
      '2024-03-01 10:01:00.000',
      '2024-03-01 10:01:00',
      '2024-03-01T10:01:00Z',
      '2024-03-01',
      '12',
      '40000',
      '3000000000',
      '1.5',
    ].map((v) => customValueType(v, custom));
    const none = customValueType('2024-03-01 10:01:00.000', new Set());

    // Assess
    expect(types).toEqual([
      'timestamp',
      'timestamp',
      'string',
      'date',
      'smallint',
      'int',
      'bigint',
      'double',
    ]);
    expect(none).toBe('string');
  });

  it('It should read quotes with its own quote symbol and pick the SerDe it names', () => {
    // Act
    const quoted = classifyCsv("'a,b',1\n'c',2\n", false, { Name: 'q', QuoteSymbol: "'" });
    const lazy = classifyCsv("'a,b',1\n'c',2\n", false, {
      Name: 'q',
      QuoteSymbol: "'",
      Serde: 'LazySimpleSerDe',
    });

    // Assess
    expect(quoted).toMatchObject({ quote: "'", quoted: true, sampledRecords: 2 });
    expect(quoted?.columns).toEqual([
      { Name: 'col0', Type: 'string' },
      { Name: 'col1', Type: 'bigint' },
    ]);
    expect(lazy?.quoted).toBe(false);
  });
});

describe('Partition pruning from a query', () => {
  let tree: (query: string) => Promise<unknown>;
  const keys = ['ticker', 'dt', 'hr'];
  const partitions = ['AAPL', 'MSFT'].flatMap((t) =>
    ['2024-03-01', '2024-03-02'].flatMap((d) => ['22', '23'].map((h) => [t, d, h])),
  );
  const admitted = async (query: string) => {
    const predicate = partitionPredicate(await tree(query), { schema: 'db', name: 't' }, 'db', keys);
    return predicate ? partitions.filter((p) => predicate(p)).map((p) => p.join('/')) : 'all';
  };

  beforeAll(async () => {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    tree = async (query) => {
      const reader = await connection.runAndReadAll(
        `SELECT json_serialize_sql('${query.replace(/'/g, "''")}') AS tree`,
      );
      return JSON.parse(String(reader.getRowObjectsJson()[0]?.['tree'])) as unknown;
    };
  });

  it.each([
    ["SELECT * FROM t WHERE dt = '2024-03-02' AND hr >= '23'", ['AAPL/2024-03-02/23', 'MSFT/2024-03-02/23']],
    ["SELECT * FROM db.t WHERE '2024-03-02' > dt AND ticker <> 'AAPL' AND hr = '22'", ['MSFT/2024-03-01/22']],
    [
      "SELECT * FROM t WHERE (ticker = 'AAPL' AND dt = '2024-03-01' AND hr = '23') OR (ticker IN ('MSFT') AND dt BETWEEN '2024-03-02' AND '2024-03-09' AND hr < '23')",
      ['AAPL/2024-03-01/23', 'MSFT/2024-03-02/22'],
    ],
    // A term on a data column leaves the partition terms in force.
    [
      "SELECT * FROM t WHERE avg_price > 1 AND ticker = 'MSFT' AND dt = '2024-03-01' AND hr = '22'",
      ['MSFT/2024-03-01/22'],
    ],
    // An OR with a branch on a data column could match any partition.
    ["SELECT * FROM t WHERE ticker = 'MSFT' OR avg_price > 1", 'all'],
    // A key compared with something other than a string literal prunes nothing.
    ['SELECT * FROM t WHERE dt = hr', 'all'],
    // Every read of the table must be filtered: a second, bare read reads everything.
    ["SELECT * FROM t WHERE hr = '22' UNION ALL SELECT * FROM t", 'all'],
    // Two filtered reads (a CTE and a subquery) admit what either admits.
    [
      "WITH a AS (SELECT * FROM t WHERE ticker = 'AAPL' AND dt = '2024-03-01' AND hr = '22') SELECT * FROM a UNION ALL SELECT * FROM (SELECT * FROM t WHERE ticker = 'MSFT' AND dt = '2024-03-02' AND hr = '23')",
      ['AAPL/2024-03-01/22', 'MSFT/2024-03-02/23'],
    ],
    // A join reads the table as a whole.
    ["SELECT * FROM t JOIN u ON t.ticker = u.ticker WHERE t.dt = '2024-03-01'", 'all'],
  ])('It should prune %s', async (query, expected) => {
    // Act
    const result = await admitted(query);

    // Assess
    expect(result).toEqual(expected);
  });

  it('It should count the data columns a query names, or all of them for *', async () => {
    // Prepare
    const table = {
      Name: 't',
      StorageDescriptor: { Columns: OutputColumns.map((c) => ({ Name: c.name, Type: c.type })) },
    };

    // Act
    const named = referencedColumns(
      await tree('SELECT max(window_end), sum(event_count) FROM t WHERE dt = 1'),
      table,
    );
    const star = referencedColumns(await tree('SELECT * FROM t'), table);
    const count = referencedColumns(await tree('SELECT count(*) FROM t'), table);

    // Assess
    expect([...named].sort()).toEqual(['event_count', 'window_end']);
    expect(star.size).toBe(4);
    expect(count.size).toBe(0);
  });
});
