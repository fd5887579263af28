/**
 * The Glue store's file layout (a partitions file per table, rewritten only when its partitions change,
 * removed with its table) and the Athena store's reading of a results CSV. The services' behaviour across
 * a restart is in test/local/persistence.test.ts.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AthenaStore, parseResultCsv } from '../../local/athena/store';
import { GlueStore, PartitionMap, partitionKey } from '../../local/glue/store';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'flinkflow-stores-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function storeWithTable(dataDir: string): GlueStore {
  const store = new GlueStore(dataDir);
  const partitions = new PartitionMap();
  partitions.set(partitionKey(['2024-01-01']), { Values: ['2024-01-01'], CreationTime: new Date(0) });
  store.databases.set('db', {
    database: { Name: 'db' },
    tables: new Map([['t', { table: { Name: 't', DatabaseName: 'db' }, partitions }]]),
  });
  return store;
}

describe('GlueStore files', () => {
  it('It should rewrite a partitions file only when its partitions changed', () => {
    // Prepare
    const store = storeWithTable(dir);
    const file = path.join(dir, 'glue', 'partitions', 'db', 't.json');
    store.save();
    const written = statSync(file).mtimeMs;

    // Act
    const unchanged = () => {
      store.save();
      return statSync(file).mtimeMs;
    };
    const afterCatalogChange = unchanged();
    store.databases
      .get('db')
      ?.tables.get('t')
      ?.partitions.set('x', { Values: ['x'] });
    store.save();
    const reloaded = new GlueStore(dir);
    reloaded.load();

    // Assess
    expect(afterCatalogChange).toBe(written);
    expect([...(reloaded.databases.get('db')?.tables.get('t')?.partitions.keys() ?? [])].sort()).toEqual([
      '2024-01-01',
      'x',
    ]);
    expect(reloaded.databases.get('db')?.tables.get('t')?.partitions.get('2024-01-01')?.CreationTime).toEqual(
      new Date(0),
    );
  });

  it("It should remove a deleted table's partitions file at the next save", () => {
    // Prepare
    const store = storeWithTable(dir);
    store.save();

    // Act
    store.databases.get('db')?.tables.delete('t');
    store.save();

    // Assess
    expect(readdirSync(path.join(dir, 'glue', 'partitions', 'db'))).toEqual([]);
  });

  it('It should bring back a crawler the file shows RUNNING as READY, its last crawl FAILED', () => {
    // Prepare
    const store = new GlueStore(dir);
    store.crawlers.set('c', {
      crawler: { Name: 'c', State: 'RUNNING', LastCrawl: { Status: 'SUCCEEDED', StartTime: new Date(5) } },
      metrics: { CrawlerName: 'c', StillEstimating: true },
      cancelRequested: false,
    });
    store.save();

    // Act
    const reloaded = new GlueStore(dir);
    reloaded.load(new Date(10));

    // Assess
    expect(reloaded.crawlers.get('c')?.crawler).toMatchObject({
      State: 'READY',
      LastCrawl: { Status: 'FAILED', ErrorMessage: expect.stringContaining('local cloud stopped') as string },
    });
    expect(reloaded.crawlers.get('c')?.metrics.StillEstimating).toBe(false);
  });
});

describe('unreadable store files', () => {
  it('It should refuse to load a Glue catalog file that is not JSON, naming it', () => {
    // Prepare
    const file = path.join(dir, 'glue', 'catalog.json');
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, '{"formatVersion": 1, "databases": [');

    // Act
    const load = () => new GlueStore(dir).load();

    // Assess
    expect(load).toThrow(`The local Glue catalog store ${file} is not valid JSON`);
    expect(load).toThrow(/move it away to start with an empty catalog/);
  });

  it('It should refuse to load an Athena query file of an unknown format, naming it', () => {
    // Prepare
    const file = path.join(dir, 'athena', 'executions', 'q.json');
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, '{"formatVersion": 1, "execution": []}');

    // Act
    const load = () => new AthenaStore(dir).loadExecutions();

    // Assess
    expect(load).toThrow(`The local Athena query execution store ${file} has an unknown format`);
  });
});

describe('parseResultCsv', () => {
  it('It should read quoted values, doubled quotes, line breaks in values and empty (NULL) fields', () => {
    // Act
    const rows = parseResultCsv('"a","b",""\n"1","x ""y"", z",\n"2","two\nlines",""\n');

    // Assess
    expect(rows).toEqual([
      ['a', 'b', ''],
      ['1', 'x "y", z', null],
      ['2', 'two\nlines', ''],
    ]);
  });

  it.each([
    ['an unclosed quote', '"a","b\n', /no closing quote/],
    ['an unquoted value', '"a",b\n', /unexpected "b" at offset 4/],
  ])('It should refuse a file with %s', (_, text, message) => {
    // Act
    const parse = () => parseResultCsv(text);

    // Assess
    expect(parse).toThrow(message);
  });
});
