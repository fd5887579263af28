/** readState: no state file means no cloud; a file that is not JSON is an error, not "no cloud". */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readState } from '../../local/cloud';

describe('readState', () => {
  let home: string;
  beforeEach(() => {
    home = mkdtempSync(path.join(os.tmpdir(), 'flinkflow-state-'));
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  it('It should answer undefined when there is no state file', async () => {
    // Act
    const state = await readState({ home });

    // Assess
    expect(state).toBeUndefined();
  });

  it('It should refuse a state file that is not JSON, naming it and saying what to do', async () => {
    // Prepare
    mkdirSync(path.join(home, 'local'));
    writeFileSync(path.join(home, 'local', 'state.json'), '{"startedAt": ');

    // Act
    const error = await readState({ home }).catch((e: unknown) => e as Error);

    // Assess
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(
      new RegExp(
        `^The local cloud's state file ${path.join(home, 'local', 'state.json')} is not valid JSON .*delete the file and start again\\.$`,
      ),
    );
  });
});
