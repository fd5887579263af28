/**
 * A small reader of ZIP archives (and jars, which are ZIPs), enough for the code zip's pre-flight check:
 * the central directory's entry names and the content of an entry, stored or deflated. It reads from a
 * buffer already in memory (the code zip is fetched whole), and ZIP64 archives are read too, since a
 * shaded jar can pass 65,535 entries. Layout: PKWARE's APPNOTE.TXT (sections 4.3.6, 4.3.12, 4.3.14-16).
 */
import { inflateRawSync } from 'node:zlib';

const EOCD_SIGNATURE = 0x06054b50;
const ZIP64_EOCD_LOCATOR_SIGNATURE = 0x07064b50;
const ZIP64_EOCD_SIGNATURE = 0x06064b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const ZIP64_EXTRA_ID = 0x0001;

export class ZipFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ZipFormatError';
  }
}

export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

export interface ZipArchive {
  entries: ReadonlyMap<string, ZipEntry>;
  /** The entry's bytes; throws ZipFormatError for a missing entry or an unknown compression. */
  read(name: string): Buffer;
}

function findEndOfCentralDirectory(data: Buffer): number {
  // The record is 22 bytes plus a comment of at most 65,535 bytes, at the very end.
  const lowest = Math.max(0, data.length - 22 - 0xffff);
  for (let offset = data.length - 22; offset >= lowest; offset -= 1) {
    if (data.readUInt32LE(offset) === EOCD_SIGNATURE) return offset;
  }
  throw new ZipFormatError('no end-of-central-directory record: this is not a zip file (or it is truncated)');
}

/** Opens an archive held in `data`. */
export function openZip(data: Buffer): ZipArchive {
  if (data.length < 22) throw new ZipFormatError(`${data.length} bytes is too short to be a zip file`);
  const eocd = findEndOfCentralDirectory(data);
  let count = data.readUInt16LE(eocd + 10);
  let directorySize = data.readUInt32LE(eocd + 12);
  let directoryOffset = data.readUInt32LE(eocd + 16);
  if (count === 0xffff || directorySize === 0xffffffff || directoryOffset === 0xffffffff) {
    const locator = eocd - 20;
    if (locator < 0 || data.readUInt32LE(locator) !== ZIP64_EOCD_LOCATOR_SIGNATURE) {
      throw new ZipFormatError('a ZIP64 archive without its ZIP64 end-of-central-directory locator');
    }
    const record = Number(data.readBigUInt64LE(locator + 8));
    if (record + 56 > data.length || data.readUInt32LE(record) !== ZIP64_EOCD_SIGNATURE) {
      throw new ZipFormatError('the ZIP64 end-of-central-directory record is missing or damaged');
    }
    count = Number(data.readBigUInt64LE(record + 32));
    directorySize = Number(data.readBigUInt64LE(record + 40));
    directoryOffset = Number(data.readBigUInt64LE(record + 48));
  }
  if (directoryOffset + directorySize > data.length) {
    throw new ZipFormatError('the central directory points past the end of the file (truncated upload?)');
  }
  const entries = new Map<string, ZipEntry>();
  let offset = directoryOffset;
  for (let i = 0; i < count; i += 1) {
    if (offset + 46 > data.length || data.readUInt32LE(offset) !== CENTRAL_SIGNATURE) {
      throw new ZipFormatError(`central directory entry ${i} is damaged`);
    }
    const method = data.readUInt16LE(offset + 10);
    let compressedSize = data.readUInt32LE(offset + 20);
    let size = data.readUInt32LE(offset + 24);
    const nameLength = data.readUInt16LE(offset + 28);
    const extraLength = data.readUInt16LE(offset + 30);
    const commentLength = data.readUInt16LE(offset + 32);
    let localHeaderOffset = data.readUInt32LE(offset + 42);
    const name = data.toString('utf8', offset + 46, offset + 46 + nameLength);
    // ZIP64 sizes and offset sit in the extra field, in this order, for each value that is saturated.
    let extra = offset + 46 + nameLength;
    const extraEnd = extra + extraLength;
    while (extra + 4 <= extraEnd) {
      const id = data.readUInt16LE(extra);
      const length = data.readUInt16LE(extra + 2);
      if (id === ZIP64_EXTRA_ID) {
        let field = extra + 4;
        if (size === 0xffffffff) {
          size = Number(data.readBigUInt64LE(field));
          field += 8;
        }
        if (compressedSize === 0xffffffff) {
          compressedSize = Number(data.readBigUInt64LE(field));
          field += 8;
        }
        if (localHeaderOffset === 0xffffffff) localHeaderOffset = Number(data.readBigUInt64LE(field));
      }
      extra += 4 + length;
    }
    entries.set(name, { name, method, compressedSize, size, localHeaderOffset });
    offset = extraEnd + commentLength;
  }
  return {
    entries,
    read(name: string): Buffer {
      const entry = entries.get(name);
      if (!entry) throw new ZipFormatError(`no entry ${name}`);
      const at = entry.localHeaderOffset;
      if (at + 30 > data.length || data.readUInt32LE(at) !== LOCAL_SIGNATURE) {
        throw new ZipFormatError(`the local header of ${name} is damaged`);
      }
      const start = at + 30 + data.readUInt16LE(at + 26) + data.readUInt16LE(at + 28);
      const raw = data.subarray(start, start + entry.compressedSize);
      if (raw.length !== entry.compressedSize) throw new ZipFormatError(`${name} is truncated`);
      if (entry.method === 0) return raw;
      if (entry.method === 8) {
        try {
          return inflateRawSync(raw);
        } catch (error) {
          throw new ZipFormatError(`${name} does not inflate: ${(error as Error).message}`);
        }
      }
      throw new ZipFormatError(
        `${name} uses compression method ${entry.method}; only stored and deflate are read`,
      );
    },
  };
}
