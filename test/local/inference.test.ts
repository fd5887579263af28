/**
 * The local Glue crawler's and Athena engine's pure rules, case by case: Glue's built-in CSV
 * classifier, exclusion globs, partition folders, partition expressions, and how Athena prints values
 * and positions. (No servers: these run in milliseconds.)
 */
import { athenaColumnOf, athenaReason, javaDouble, lineColumn } from '../../local/athena/engine';
import { inferCsvSchema, splitCsvLine, valueType, widen } from '../../local/glue/csv-schema';
import {
  exclusionMatcher,
  isIgnoredByGlue,
  partitionsOf,
  planTables,
  tableNameOf,
  type DataFile,
} from '../../local/glue/crawler';
import { hiveTypeOf } from '../../local/glue/parquet-schema';
import { partitionFilter } from '../../local/glue/provider';
import { cronMatches, parseCron } from '../../local/glue/schedule';

describe("Glue's built-in CSV classifier", () => {
  it.each([
    ['true', 'boolean'],
    ['FALSE', 'boolean'],
    ['42', 'bigint'],
    ['-7', 'bigint'],
    ['9223372036854775808', 'double'],
    ['50.25', 'double'],
    ['1e3', 'double'],
    ['2024-01-01 12:00:00', 'string'],
    ['2024-01-01', 'string'],
    ['AAPL', 'string'],
  ])('It should type %s as %s', (value, type) => {
    // Act
    const inferred = valueType(value);

    // Assess
    expect(inferred).toBe(type);
  });

  it('It should widen bigint and double to double, and anything else mixed to string', () => {
    // Assess
    expect(widen('bigint', 'double')).toBe('double');
    expect(widen('bigint', 'boolean')).toBe('string');
    expect(widen(undefined, 'bigint')).toBe('bigint');
  });

  it('It should name the columns col0.. when the first row is typed data', () => {
    // Act
    const schema = inferCsvSchema('AAPL,50.25,12\nMSFT,20,3\n', false);

    // Assess
    expect(schema).toMatchObject({ hasHeader: false, delimiter: ',', quoted: false });
    expect(schema?.columns).toEqual([
      { Name: 'col0', Type: 'string' },
      { Name: 'col1', Type: 'double' },
      { Name: 'col2', Type: 'bigint' },
    ]);
  });

  it('It should not take a header when every row is strings, since the first row is then no different', () => {
    // Act
    const schema = inferCsvSchema('name,city\nann,paris\nbob,rome\n', false);

    // Assess
    expect(schema?.hasHeader).toBe(false);
    expect(schema?.columns.map((c) => c.Name)).toEqual(['col0', 'col1']);
  });

  it('It should not take a header whose values are not valid column names', () => {
    // Act
    const schema = inferCsvSchema('ticker,price (usd)\nAAPL,1.5\n', false);

    // Assess
    expect(schema?.hasHeader).toBe(false);
  });

  it('It should recognise pipe and tab delimiters and quoted values', () => {
    // Act
    const pipe = inferCsvSchema('a|1\nb|2\n', false);
    const tab = inferCsvSchema('a\t1\nb\t2\n', false);
    const quoted = inferCsvSchema('"AAPL, Inc.",1\n"MSFT",2\n', false);

    // Assess
    expect(pipe?.delimiter).toBe('|');
    expect(tab?.delimiter).toBe('\t');
    expect(quoted).toMatchObject({ quoted: true, delimiter: ',' });
    expect(splitCsvLine('"AAPL, ""Inc.""",1', ',').fields).toEqual(['AAPL, "Inc."', '1']);
  });

  it('It should ignore the cut last line of a truncated sample, and refuse text that is not delimited', () => {
    // Act
    const truncated = inferCsvSchema('1,2\n3,4\n5,x', true);
    const prose = inferCsvSchema('just one line of text\n', false);

    // Assess
    expect(truncated?.columns.map((c) => c.Type)).toEqual(['bigint', 'bigint']);
    expect(prose).toBeUndefined();
  });
});

describe('crawler paths', () => {
  it('It should skip _SUCCESS, hidden, in-progress and _temporary files, and keep data files', () => {
    // Assess
    expect(isIgnoredByGlue('ticker=AAPL/_SUCCESS')).toBe(true);
    expect(isIgnoredByGlue('ticker=AAPL/.part-1.inprogress.abc')).toBe(true);
    expect(isIgnoredByGlue('_temporary/0/part-1')).toBe(true);
    expect(isIgnoredByGlue('ticker=AAPL/part-1.inprogress')).toBe(true);
    expect(isIgnoredByGlue('ticker=AAPL/part-1-0.csv')).toBe(false);
  });

  it('It should match exclusions relative to the include path, `*` within a folder and `**` across folders', () => {
    // Prepare
    const excluded = exclusionMatcher(['*.tmp', 'archive/**', '**/*.bak']);

    // Assess
    expect(excluded('notes.tmp')).toBe(true);
    expect(excluded('ticker=AAPL/notes.tmp')).toBe(false);
    expect(excluded('archive/2024/x.csv')).toBe(true);
    expect(excluded('ticker=AAPL/deep/x.bak')).toBe(true);
    expect(excluded('ticker=AAPL/x.csv')).toBe(false);
  });

  it('It should read Hive-style folders as keys and plain folders as partition_<i>', () => {
    // Assess
    expect(partitionsOf('ticker=AAPL/dt=2024-01-01/f.csv')).toEqual([
      { key: 'ticker', value: 'AAPL' },
      { key: 'dt', value: '2024-01-01' },
    ]);
    expect(partitionsOf('2024/01/f.csv')).toEqual([
      { key: 'partition_0', value: '2024' },
      { key: 'partition_1', value: '01' },
    ]);
    expect(tableNameOf('demo-pipeline_Output')).toBe('demo_pipeline_output');
  });

  it('It should split files that do not fit together into one table per first-level folder', () => {
    // Prepare
    const file = (key: string, columns: number, format: 'csv' | 'parquet' = 'csv'): DataFile => ({
      key,
      size: 10,
      partitions: partitionsOf(key.slice('out/'.length)),
      format,
      columns: Array.from({ length: columns }, (_, i) => ({ Name: `col${i}`, Type: 'bigint' })),
      records: 1,
      ...(format === 'csv' ? { csv: { delimiter: ',', quoted: false, hasHeader: false } } : {}),
    });
    const files = [file('out/a/x.csv', 2), file('out/b/y.parquet', 3, 'parquet')];

    // Act
    const tables = planTables('s3://bkt/out/', 'out', files, {
      tablePrefix: 'p_',
      combineCompatibleSchemas: true,
    });

    // Assess
    expect(tables.map((t) => [t.name, t.location, t.format, t.partitionKeys])).toEqual([
      ['p_a', 's3://bkt/out/a/', 'csv', []],
      ['p_b', 's3://bkt/out/b/', 'parquet', []],
    ]);
  });

  it('It should name parquet types as the catalog does', () => {
    // Assess
    expect(
      ['BIGINT', 'INTEGER', 'DOUBLE', 'VARCHAR', 'TIMESTAMP', 'DECIMAL(10,2)', 'VARCHAR[]'].map(hiveTypeOf),
    ).toEqual(['bigint', 'int', 'double', 'string', 'timestamp', 'decimal(10,2)', 'array<string>']);
  });
});

describe('GetPartitions expressions', () => {
  it('It should filter by =, <>, comparisons and IN, joined by AND', () => {
    // Prepare
    const keys = ['ticker', 'hour'];

    // Assess
    expect(partitionFilter("ticker = 'AAPL'", keys)(['AAPL', '1'])).toBe(true);
    expect(partitionFilter("ticker <> 'AAPL'", keys)(['AAPL', '1'])).toBe(false);
    expect(partitionFilter("ticker in ('AAPL','MSFT') AND hour >= 10", keys)(['MSFT', '12'])).toBe(true);
    expect(partitionFilter('hour < 10', keys)(['MSFT', '9'])).toBe(true);
  });

  it('It should refuse an expression on a column that is not a partition key with InvalidInputException', () => {
    // Act
    const refuse = () => partitionFilter("price = '1'", ['ticker']);

    // Assess
    expect(refuse).toThrow(expect.objectContaining({ code: 'InvalidInputException' }));
  });
});

describe("Athena's printing", () => {
  it.each([
    [20, '20.0'],
    [50.875, '50.875'],
    [1e7, '1.0E7'],
    [0.0001, '1.0E-4'],
    [1.5e-3, '0.0015'],
    [0, '0.0'],
  ])('It should print the double %p as %s, as Java does', (value, text) => {
    // Assess
    expect(javaDouble(value)).toBe(text);
  });

  it('It should give positions as line:column and map DuckDB errors and types onto Athena names', () => {
    // Assess
    expect(lineColumn('SELECT *\nFROM x', 14)).toBe('line 2:6');
    expect(
      athenaReason('SELECT nope FROM t', 'Binder Error: Referenced column "nope" not found in FROM clause!'),
    ).toMatch(/^COLUMN_NOT_FOUND: line 1:1: Column 'nope' cannot be resolved/);
    expect(athenaColumnOf('n', 'HUGEINT')).toEqual({ name: 'n', type: 'bigint', precision: 19, scale: 0 });
    expect(athenaColumnOf('d', 'DECIMAL(10,2)')).toEqual({
      name: 'd',
      type: 'decimal',
      precision: 10,
      scale: 2,
    });
  });
});

describe('crawler schedules', () => {
  it('It should fire cron(0/15 * * * ? *) at minutes 0, 15, 30 and 45 of every hour, in UTC', () => {
    // Prepare
    const schedule = parseCron('cron(0/15 * * * ? *)');
    const at = (iso: string) => cronMatches(schedule, new Date(iso));

    // Assess
    expect([at('2024-01-01T10:00:30Z'), at('2024-01-01T10:15:00Z'), at('2024-01-01T10:45:59Z')]).toEqual([
      true,
      true,
      true,
    ]);
    expect([at('2024-01-01T10:14:00Z'), at('2024-01-01T10:16:00Z')]).toEqual([false, false]);
  });

  it('It should read ranges, lists, month and weekday names, 1 being Sunday', () => {
    // Prepare
    const weekdays = parseCron('cron(30 8-9 ? JAN,FEB MON-FRI 2024)');

    // Assess: 2024-01-01 was a Monday, 2024-01-07 a Sunday.
    expect(cronMatches(weekdays, new Date('2024-01-01T08:30:00Z'))).toBe(true);
    expect(cronMatches(weekdays, new Date('2024-01-07T08:30:00Z'))).toBe(false);
    expect(cronMatches(weekdays, new Date('2024-03-01T09:30:00Z'))).toBe(false);
    expect(cronMatches(parseCron('cron(0 12 ? * 1 *)'), new Date('2024-01-07T12:00:00Z'))).toBe(true);
  });

  it('It should refuse a schedule without six fields or with a value out of range, naming the field', () => {
    // Assess
    expect(() => parseCron('cron(0/15 * * * ?)')).toThrow(/six fields/);
    expect(() => parseCron('cron(61 * * * ? *)')).toThrow(/Minutes value "61"/);
    expect(() => parseCron('rate(5 minutes)')).toThrow(/six fields/);
  });
});
