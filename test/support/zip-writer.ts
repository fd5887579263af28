/**
 * Writes small ZIP archives for tests (the code zip and its jar), stored or deflated, with the layout
 * of PKWARE's APPNOTE.TXT: local headers, the central directory, the end record.
 */
import { crc32, deflateRawSync } from 'node:zlib';

export function makeZip(entries: Record<string, Buffer | string>, method: 0 | 8 = 8): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, content] of Object.entries(entries)) {
    const data = Buffer.isBuffer(content) ? content : Buffer.from(content);
    const body = method === 8 ? deflateRawSync(data) : data;
    const nameBytes = Buffer.from(name);
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, body);
    centrals.push(central, nameBytes);
    offset += local.length + nameBytes.length + body.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(entries).length, 8);
  end.writeUInt16LE(Object.keys(entries).length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** A jar as flink-app builds it, with the connector version given (`4.3.0-1.19` is the real one). */
export function makeJobJar(connectorVersion = '4.3.0-1.19', parquetVersion = '1.20.0'): Buffer {
  return makeZip({
    'META-INF/flinkflow/flink-artifacts.properties': `# bundled\nflink-connector-kinesis=${connectorVersion}\nflink-parquet=${parquetVersion}\n`,
    'META-INF/services/org.apache.flink.table.factories.Factory':
      '# services\norg.apache.flink.streaming.connectors.kinesis.table.KinesisDynamicTableFactory\n' +
      'org.apache.flink.connector.kinesis.table.KinesisDynamicTableSinkFactory\n' +
      'org.apache.flink.formats.parquet.ParquetFileFormatFactory\n',
  });
}

/** A code zip as `make flink-zip` lays it out (stored entries, as the real build stores the jar). */
export function makeCodeZip(jar: Buffer = makeJobJar(), python = 'print("job")\n'): Buffer {
  return makeZip({ 'main.py': python, 'lib/flinkflow-app-deps.jar': jar }, 0);
}
