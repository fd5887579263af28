/**
 * moto's saved state at the edges: a file that cannot be read, or that another moto version wrote, stops
 * the start with a message that says how to go on; a state that cannot be written makes the stop reject,
 * so the local cloud keeps its run marker. A real moto server from the venv each time.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { motoStateFile, startLocalS3 } from '../../local/s3/moto-server';

jest.setTimeout(60_000);

const python = path.resolve(__dirname, '..', '..', '.venv', 'bin', 'python');
const folder = mkdtempSync(path.join(os.tmpdir(), 'flinkflow-moto-state-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe("moto's saved state", () => {
  it('It should refuse to start on a file that is not a saved state, naming it and --fresh', async () => {
    // Prepare
    const stateDir = path.join(folder, 'garbage');
    mkdirSync(stateDir);
    writeFileSync(motoStateFile(stateDir), 'not a pickle');

    // Act
    const start = startLocalS3({ stateDir });

    // Assess
    await expect(start).rejects.toThrow(`moto's saved state ${motoStateFile(stateDir)} cannot be read`);
    await expect(start).rejects.toThrow('`flinkflow local up --fresh`');
  });

  it('It should refuse a state another moto version wrote before unpickling any of its classes', async () => {
    // Prepare: the header a moto 4.0.0 would have written, and no body at all.
    const stateDir = path.join(folder, 'older');
    mkdirSync(stateDir);
    execFileSync(python, [
      '-c',
      'import pickle, sys; pickle.dump({"format": 1, "moto": "4.0.0"}, open(sys.argv[1], "wb"))',
      motoStateFile(stateDir),
    ]);

    // Act
    const start = startLocalS3({ stateDir });

    // Assess
    await expect(start).rejects.toThrow('was written by moto 4.0.0 (format 1); this is moto 5.2.5');
  });

  it('It should reject the stop when the state cannot be written, and say the last clean save stays', async () => {
    // Prepare: once the server runs, a plain file takes the state folder's place, so the save cannot
    // make it.
    const stateDir = path.join(folder, 'blocked');
    mkdirSync(stateDir);
    const s3 = await startLocalS3({ stateDir });
    rmSync(stateDir, { recursive: true });
    writeFileSync(stateDir, 'in the way');

    // Act
    const stop = s3.stop();

    // Assess
    await expect(stop).rejects.toThrow(`moto exited with 1 while saving its state to ${stateDir}`);
    await expect(stop).rejects.toThrow('still holds the state of the last clean stop');
  });
});
