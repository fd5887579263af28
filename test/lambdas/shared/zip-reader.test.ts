/**
 * The zip reader on archives built byte by byte here: ZIP64 end records and extra fields, comments, extra
 * fields it must skip, and each kind of damage with the message it gives (APPNOTE.TXT 4.3.6, 4.3.12,
 * 4.3.14-16, 4.5.3).
 */
import { deflateRawSync } from 'node:zlib';
import { openZip, ZipFormatError } from '../../../lambdas/shared/zip-reader';

type Zip64Field = 'size' | 'compressed' | 'offset';
interface Entry {
  name: string;
  content: string | Buffer;
  /** 0 stored, 8 deflate (default), anything else as given. */
  method?: number;
  /** The bytes written as the entry's data, when not its content stored or deflated. */
  body?: Buffer;
  localExtra?: Buffer;
  /** An extra field of another kind, before any ZIP64 one. */
  otherExtra?: Buffer;
  /** The central fields saturated to 0xffffffff, their values in the ZIP64 extra field. */
  zip64?: Zip64Field[];
  comment?: string;
  /** Overrides of the central directory's fields. */
  compressedSize?: number;
  localHeaderOffset?: number;
  signature?: number;
}
interface Options {
  /** The end record's fields saturated, their values in a ZIP64 end record (and its locator). */
  zip64End?: Array<'count' | 'size' | 'offset'>;
  /** Leave the ZIP64 locator out (the end record still saturated). */
  noLocator?: boolean;
  /** Where the locator says the ZIP64 end record is. */
  recordOffset?: number;
  count?: number;
  directoryOffset?: number;
  comment?: Buffer;
}

const SATURATED = 0xffffffff;

function u16(value: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(value);
  return b;
}
function u64(value: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(value));
  return b;
}

function build(entries: Entry[], options: Options = {}): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const content = Buffer.isBuffer(entry.content) ? entry.content : Buffer.from(entry.content);
    const method = entry.method ?? 8;
    const body = entry.body ?? (method === 8 ? deflateRawSync(content) : content);
    const name = Buffer.from(entry.name);
    const localExtra = entry.localExtra ?? Buffer.alloc(0);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(content.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(localExtra.length, 28);

    const values: Record<Zip64Field, number> = {
      size: content.length,
      compressed: entry.compressedSize ?? body.length,
      offset: entry.localHeaderOffset ?? offset,
    };
    const saturated = entry.zip64 ?? [];
    const order: Zip64Field[] = ['size', 'compressed', 'offset'];
    const zip64Values = order.filter((field) => saturated.includes(field)).map((f) => u64(values[f]));
    const zip64Extra = zip64Values.length
      ? Buffer.concat([u16(0x0001), u16(8 * zip64Values.length), ...zip64Values])
      : Buffer.alloc(0);
    const extra = Buffer.concat([entry.otherExtra ?? Buffer.alloc(0), zip64Extra]);
    const comment = Buffer.from(entry.comment ?? '');
    const central = Buffer.alloc(46);
    central.writeUInt32LE(entry.signature ?? 0x02014b50, 0);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(saturated.includes('compressed') ? SATURATED : values.compressed, 20);
    central.writeUInt32LE(saturated.includes('size') ? SATURATED : values.size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt16LE(extra.length, 30);
    central.writeUInt16LE(comment.length, 32);
    central.writeUInt32LE(saturated.includes('offset') ? SATURATED : values.offset, 42);
    locals.push(local, name, localExtra, body);
    centrals.push(central, name, extra, comment);
    offset += local.length + name.length + localExtra.length + body.length;
  }
  const directory = Buffer.concat(centrals);
  const count = options.count ?? entries.length;
  const directoryOffset = options.directoryOffset ?? offset;
  const tail: Buffer[] = [];
  const saturatedEnd = options.zip64End ?? [];
  if (saturatedEnd.length) {
    const recordAt = offset + directory.length;
    const record = Buffer.alloc(56);
    record.writeUInt32LE(0x06064b50, 0);
    record.writeBigUInt64LE(44n, 4);
    record.writeBigUInt64LE(BigInt(count), 24);
    record.writeBigUInt64LE(BigInt(count), 32);
    record.writeBigUInt64LE(BigInt(directory.length), 40);
    record.writeBigUInt64LE(BigInt(directoryOffset), 48);
    tail.push(record);
    if (!options.noLocator) {
      const locator = Buffer.alloc(20);
      locator.writeUInt32LE(0x07064b50, 0);
      locator.writeBigUInt64LE(BigInt(options.recordOffset ?? recordAt), 8);
      locator.writeUInt32LE(1, 16);
      tail.push(locator);
    }
  }
  const comment = options.comment ?? Buffer.alloc(0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(saturatedEnd.includes('count') ? 0xffff : count, 8);
  end.writeUInt16LE(saturatedEnd.includes('count') ? 0xffff : count, 10);
  end.writeUInt32LE(saturatedEnd.includes('size') ? SATURATED : directory.length, 12);
  end.writeUInt32LE(saturatedEnd.includes('offset') ? SATURATED : directoryOffset, 16);
  end.writeUInt16LE(comment.length, 20);
  return Buffer.concat([...locals, directory, ...tail, end, comment]);
}

function formatError(act: () => unknown): ZipFormatError {
  try {
    act();
  } catch (error) {
    expect(error).toBeInstanceOf(ZipFormatError);
    expect((error as Error).name).toBe('ZipFormatError');
    return error as ZipFormatError;
  }
  throw new Error('expected a ZipFormatError, and nothing was thrown');
}

const two: Entry[] = [
  { name: 'main.py', content: 'print("job")\n'.repeat(20) },
  { name: 'lib/deps.jar', content: Buffer.from([1, 2, 3, 4, 5]), method: 0 },
];

describe('the zip reader: layouts it reads', () => {
  it('It should read an empty archive, 22 bytes of end record and nothing else', () => {
    const zip = openZip(build([]));
    expect(zip.entries.size).toBe(0);
  });

  it('It should say how short a buffer under 22 bytes is', () => {
    expect(formatError(() => openZip(Buffer.alloc(21))).message).toBe(
      '21 bytes is too short to be a zip file',
    );
  });

  it('It should find the end record behind the longest comment, and not past it', () => {
    const longest = build(two, { comment: Buffer.alloc(0xffff, 0x20) });
    expect([...openZip(longest).entries.keys()]).toEqual(['main.py', 'lib/deps.jar']);
    // One byte more than a comment can hold after an end record: the record is out of reach.
    const beyond = Buffer.concat([build([]), Buffer.alloc(0x10000, 0x20)]);
    expect(formatError(() => openZip(beyond)).message).toBe(
      'no end-of-central-directory record: this is not a zip file (or it is truncated)',
    );
  });

  it('It should read each entry with its method, sizes and offset, skipping extra fields and comments', () => {
    const content = 'print("job")\n'.repeat(20);
    const zip = openZip(
      build([
        {
          name: 'main.py',
          content,
          otherExtra: Buffer.concat([u16(0x5455), u16(5), Buffer.alloc(5, 7)]),
          localExtra: Buffer.concat([u16(0x5455), u16(3), Buffer.alloc(3, 9)]),
          comment: 'the job',
        },
        { name: 'données/é.txt', content: 'accents', method: 0 },
      ]),
    );
    const compressed = deflateRawSync(Buffer.from(content)).length;
    expect([...zip.entries.values()]).toEqual([
      { name: 'main.py', method: 8, compressedSize: compressed, size: content.length, localHeaderOffset: 0 },
      {
        name: 'données/é.txt',
        method: 0,
        compressedSize: 7,
        size: 7,
        localHeaderOffset: 30 + 7 + 7 + compressed,
      },
    ]);
    expect(zip.read('main.py').toString()).toBe(content);
    expect(zip.read('données/é.txt').toString()).toBe('accents');
  });

  it('It should read the sizes and offset a ZIP64 extra field holds, in its order, for each saturated one', () => {
    const content = 'x'.repeat(100);
    const zip = openZip(
      build([
        { name: 'a.txt', content, method: 0, zip64: ['size', 'compressed', 'offset'] },
        {
          name: 'b.txt',
          content,
          zip64: ['offset'],
          otherExtra: Buffer.concat([u16(0x7875), u16(2), Buffer.alloc(2)]),
        },
        { name: 'c.txt', content, zip64: ['size'] },
        { name: 'd.txt', content: 'dd', method: 0, zip64: ['compressed'] },
      ]),
    );
    const compressed = deflateRawSync(Buffer.from(content)).length;
    expect(zip.entries.get('a.txt')).toEqual({
      name: 'a.txt',
      method: 0,
      compressedSize: 100,
      size: 100,
      localHeaderOffset: 0,
    });
    expect(zip.entries.get('b.txt')).toMatchObject({
      size: 100,
      compressedSize: compressed,
      localHeaderOffset: 135,
    });
    expect(zip.entries.get('c.txt')).toMatchObject({ size: 100, compressedSize: compressed });
    expect(zip.entries.get('d.txt')).toMatchObject({ size: 2, compressedSize: 2 });
    for (const name of ['a.txt', 'b.txt', 'c.txt']) expect(zip.read(name).toString()).toBe(content);
    expect(zip.read('d.txt').toString()).toBe('dd');
  });

  it.each([[['count']], [['size']], [['offset']], [['count', 'size', 'offset']]] as const)(
    'It should read the ZIP64 end record when the end record saturates %j',
    (saturated) => {
      const zip = openZip(build(two, { zip64End: [...saturated] }));
      expect([...zip.entries.keys()]).toEqual(['main.py', 'lib/deps.jar']);
      expect([...zip.read('lib/deps.jar')]).toEqual([1, 2, 3, 4, 5]);
    },
  );
});

describe('the zip reader: damaged archives', () => {
  it('It should refuse a saturated end record without a ZIP64 locator, also when nothing comes before it', () => {
    const message = 'a ZIP64 archive without its ZIP64 end-of-central-directory locator';
    expect(formatError(() => openZip(build(two, { zip64End: ['count'], noLocator: true }))).message).toBe(
      message,
    );
    expect(
      formatError(() => openZip(build([], { zip64End: ['count'], noLocator: true }).subarray(56))).message,
    ).toBe(message);
  });

  it.each([
    ['somewhere that is not the record', 3],
    ['past the end of the file', 2 ** 40],
  ])('It should refuse a ZIP64 locator that points %s', (_where, recordOffset) => {
    expect(formatError(() => openZip(build(two, { zip64End: ['offset'], recordOffset }))).message).toBe(
      'the ZIP64 end-of-central-directory record is missing or damaged',
    );
  });

  it('It should refuse a central directory that starts in the file and ends past it', () => {
    const length = build(two).length;
    expect(formatError(() => openZip(build(two, { directoryOffset: length - 10 }))).message).toBe(
      'the central directory points past the end of the file (truncated upload?)',
    );
  });

  it('It should read a ZIP64 locator at the very start of the file, and find its record missing', () => {
    // A 20-byte locator pointing at itself, then a saturated end record: nothing else.
    const locator = Buffer.alloc(20);
    locator.writeUInt32LE(0x07064b50, 0);
    const end = build([], { zip64End: ['count'], noLocator: true }).subarray(56);
    expect(formatError(() => openZip(Buffer.concat([locator, end]))).message).toBe(
      'the ZIP64 end-of-central-directory record is missing or damaged',
    );
  });

  it('It should name the central entry whose signature is wrong', () => {
    const zip = build([two[0]!, { ...two[1]!, signature: 0x12345678 }]);
    expect(formatError(() => openZip(zip)).message).toBe('central directory entry 1 is damaged');
  });

  it('It should name the entry the end record counts that is not there', () => {
    // The last entry's comment runs up to the end record: a third entry would start in it.
    const zip = build([two[0]!, { ...two[1]!, comment: 'c'.repeat(200) }], { count: 3 });
    expect(formatError(() => openZip(zip)).message).toBe('central directory entry 2 is damaged');
  });

  it('It should say which entry is not in the archive', () => {
    expect(formatError(() => openZip(build(two)).read('job.py')).message).toBe('no entry job.py');
  });

  it.each([
    ['a wrong signature', 5],
    ['an offset past the end of the file', 100000],
    ['an offset 2 bytes before the end of the file', -2],
  ])('It should refuse to read an entry whose local header has %s', (_what, at) => {
    const length = build([two[1]!]).length;
    const zip = openZip(build([{ ...two[1]!, localHeaderOffset: at < 0 ? length + at : at }]));
    expect(formatError(() => zip.read('lib/deps.jar')).message).toBe(
      'the local header of lib/deps.jar is damaged',
    );
  });

  it('It should refuse an entry whose data ends past the file', () => {
    const zip = openZip(build([{ ...two[1]!, compressedSize: 5000 }]));
    expect(formatError(() => zip.read('lib/deps.jar')).message).toBe('lib/deps.jar is truncated');
  });

  it("It should refuse a deflated entry that does not inflate, with zlib's reason", () => {
    const zip = openZip(
      build([{ name: 'bad.bin', content: 'x', body: Buffer.from([0xff, 0xff, 0xff, 0xff]) }]),
    );
    expect(formatError(() => zip.read('bad.bin')).message).toMatch(/^bad\.bin does not inflate: \S.*$/);
  });

  it('It should name a compression method it does not read', () => {
    const zip = openZip(build([{ name: 'a.bz2', content: 'abc', method: 12 }]));
    expect(formatError(() => zip.read('a.bz2')).message).toBe(
      'a.bz2 uses compression method 12; only stored and deflate are read',
    );
  });
});
