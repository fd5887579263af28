/**
 * The Kinesis gateway's saved stream extras (mode, encryption): read back as written, and a file that
 * is not the gateway's refused with a message that says how to go on.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadStreamExtras } from '../../local/kinesis/kinesis-gateway';

const folder = mkdtempSync(path.join(os.tmpdir(), 'flinkflow-extras-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe('loadStreamExtras', () => {
  it('It should read nothing when no file was saved yet', () => {
    // Act
    const extras = loadStreamExtras(path.join(folder, 'none.json'));

    // Assess
    expect([...extras]).toEqual([]);
  });

  it('It should read each stream as saved', () => {
    // Prepare
    const file = path.join(folder, 'saved.json');
    writeFileSync(
      file,
      JSON.stringify({
        version: 1,
        streams: {
          'demo-ticks': {
            mode: 'ON_DEMAND',
            encryption: { EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' },
          },
          other: { mode: 'PROVISIONED' },
        },
      }),
    );

    // Act
    const extras = loadStreamExtras(file);

    // Assess
    expect(Object.fromEntries(extras)).toEqual({
      'demo-ticks': { mode: 'ON_DEMAND', encryption: { EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' } },
      other: { mode: 'PROVISIONED' },
    });
  });

  it.each([
    ['not JSON', '{"version": 1, "streams": {', /not JSON/],
    ['another layout', JSON.stringify({ version: 2, streams: {} }), /not the version 1 layout/],
    ['no streams', JSON.stringify({ version: 1 }), /not the version 1 layout/],
  ])('It should refuse a file that is %s and say to start with --fresh', (_, content, why) => {
    // Prepare
    const file = path.join(folder, 'bad.json');
    writeFileSync(file, content);

    // Act
    const load = () => loadStreamExtras(file);

    // Assess
    expect(load).toThrow(why);
    expect(load).toThrow(`${file} cannot be read`);
    expect(load).toThrow('`flinkflow local up --fresh`');
  });
});
