/**
 * The local services' store files (local/common/json-file.ts): written whole by rename, read back with
 * their dates, and refused with a message naming the file and what to do when they cannot be used.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  isArrayMember,
  readStoreFile,
  savingAfterChanges,
  storeFilesIn,
  writeStoreFile,
  type StoreFileSpec,
} from '../../local/common/json-file';

const spec: StoreFileSpec = {
  what: 'The test store',
  formatVersion: 2,
  freshStart: 'to start empty',
  check: (payload) => isArrayMember(payload, 'items'),
};

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'flinkflow-json-file-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('store files', () => {
  it('It should read back what it wrote, dates as dates, and leave no temporary file', () => {
    // Prepare
    const file = path.join(dir, 'nested', 'store.json');
    const at = new Date('2024-01-02T03:04:05.678Z');

    // Act
    writeStoreFile(file, 2, { items: [{ name: 'a', at, text: '{"$date":1}' }], count: 1 });
    const read = readStoreFile<{ items: { name: string; at: Date; text: string }[]; count: number }>(
      file,
      spec,
    );

    // Assess
    expect(read).toEqual({ items: [{ name: 'a', at, text: '{"$date":1}' }], count: 1 });
    expect(read?.items[0]?.at).toBeInstanceOf(Date);
    expect(readdirSync(path.dirname(file))).toEqual(['store.json']);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ formatVersion: 2 });
  });

  it('It should keep a member named __proto__ a member, not a prototype', () => {
    // Prepare: as JSON.parse makes one from a request body.
    const file = path.join(dir, 'proto.json');
    const payload = JSON.parse(
      '{"items": [], "parameters": {"__proto__": {"$date": 5}, "a": "b"}}',
    ) as object;

    // Act
    writeStoreFile(file, 2, payload);
    const read = readStoreFile<{ parameters: Record<string, unknown> }>(file, spec);

    // Assess
    expect(Object.getOwnPropertyDescriptor(read?.parameters, '__proto__')?.value).toEqual(new Date(5));
    expect(Object.getPrototypeOf(read?.parameters)).toBe(Object.prototype);
    expect(read?.parameters['a']).toBe('b');
  });

  it('It should answer undefined for a file that does not exist', () => {
    // Act
    const read = readStoreFile(path.join(dir, 'none.json'), spec);

    // Assess
    expect(read).toBeUndefined();
  });

  it.each([
    ['not JSON', '{"formatVersion": 2, "items": [', /is not valid JSON .*move it away to start empty/],
    ['not an object', '[1, 2]', /does not hold a JSON object; move it away to start empty/],
    [
      'another format version',
      '{"formatVersion": 1, "items": []}',
      /has format version 1; this local cloud reads version 2\. Move it away to start empty/,
    ],
    ['no format version', '{"items": []}', /has format version undefined/],
    [
      'a payload of the wrong shape',
      '{"formatVersion": 2, "items": {}}',
      /has an unknown format: items is not a list/,
    ],
  ])('It should refuse a file that is %s, naming the file and what to do', (_, text, message) => {
    // Prepare
    const file = path.join(dir, 'bad.json');
    writeFileSync(file, text);

    // Act
    const read = () => readStoreFile(file, spec);

    // Assess
    expect(read).toThrow(message);
    expect(read).toThrow(file);
    expect(read).toThrow(/--fresh/);
  });

  it('It should list the .json files of a folder in order, none for a folder that does not exist', () => {
    // Prepare
    writeStoreFile(path.join(dir, 'b.json'), 2, { items: [] });
    writeStoreFile(path.join(dir, 'a.json'), 2, { items: [] });
    writeFileSync(path.join(dir, 'c.json.123.tmp'), 'half');

    // Act
    const listed = storeFilesIn(dir);
    const none = storeFilesIn(path.join(dir, 'missing'));

    // Assess
    expect(listed).toEqual([path.join(dir, 'a.json'), path.join(dir, 'b.json')]);
    expect(none).toEqual([]);
  });
});

describe('savingAfterChanges', () => {
  const provider = {
    items: [] as string[],
    GetItem(input: { name: string }) {
      return this.items.includes(input.name);
    },
    ListItems() {
      return this.items;
    },
    PutItem(input: { name: string }) {
      this.items.push(input.name);
      return {};
    },
    async PutLater(input: { name: string }) {
      await Promise.resolve();
      this.items.push(input.name);
      return {};
    },
    DeleteItem(input: { name: string }) {
      if (!this.items.includes(input.name)) throw new Error(`no ${input.name}`);
      this.items = this.items.filter((n) => n !== input.name);
      return {};
    },
  };

  it('It should save after each operation that may change something, not after reads', async () => {
    // Prepare
    const save = jest.fn();
    const wrapped = savingAfterChanges(provider, save);

    // Act
    wrapped.PutItem({ name: 'a' });
    wrapped.GetItem({ name: 'a' });
    wrapped.ListItems();
    await wrapped.PutLater({ name: 'b' });

    // Assess
    expect(save).toHaveBeenCalledTimes(2);
    expect(provider.items).toEqual(['a', 'b']);
  });

  it('It should save after a failing call too, and still fail it', () => {
    // Prepare
    const save = jest.fn();
    const wrapped = savingAfterChanges(provider, save);

    // Act
    const call = () => wrapped.DeleteItem({ name: 'missing' });

    // Assess
    expect(call).toThrow('no missing');
    expect(save).toHaveBeenCalledTimes(1);
  });

  it('It should fail the call when the save fails, so that the client learns its change may not last', async () => {
    // Prepare
    const wrapped = savingAfterChanges(provider, () => {
      throw new Error('disk full');
    });

    // Act
    const sync = () => wrapped.PutItem({ name: 'c' });
    const later = wrapped.PutLater({ name: 'd' });

    // Assess
    expect(sync).toThrow('disk full');
    await expect(later).rejects.toThrow('disk full');
  });

  it('It should save only after the operations `changes` names, when given', () => {
    // Prepare
    const save = jest.fn();
    const wrapped = savingAfterChanges(provider, save, (operation) => operation === 'DeleteItem');

    // Act
    wrapped.PutItem({ name: 'e' });
    wrapped.DeleteItem({ name: 'e' });

    // Assess
    expect(save).toHaveBeenCalledTimes(1);
  });
});
