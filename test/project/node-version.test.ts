/**
 * The project states one Node.js version: package.json "engines" (read by npm and by the CLI launcher),
 * the `node` package that installs it into node_modules/.bin, .nvmrc and the README's Requirements.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');
const packageJson = JSON.parse(read('package.json')) as {
  engines: { node: string };
  devDependencies: Record<string, string>;
};

describe('the Node.js version', () => {
  const major = /^>=(\d+)$/.exec(packageJson.engines.node)?.[1];

  it('It should be a major version in package.json "engines", the form the launcher reads', () => {
    expect(major).toMatch(/^\d+$/);
  });

  it('It should be the major of the `node` package that installs it', () => {
    expect(packageJson.devDependencies['node']?.split('.')[0]).toBe(major);
  });

  it('It should be the same in package-lock.json, .nvmrc and the README Requirements', () => {
    // Prepare
    const lock = JSON.parse(read('package-lock.json')) as {
      packages: Record<string, { engines?: { node?: string } }>;
    };
    const requirements = read('README.md')
      .split('\n')
      .filter((line) => /Node\.js \d/.test(line));

    // Assess
    expect(lock.packages['']?.engines?.node).toBe(packageJson.engines.node);
    expect(read('.nvmrc').trim()).toBe(major);
    expect(requirements.length).toBeGreaterThan(0);
    for (const line of requirements) expect(line).not.toMatch(new RegExp(`Node\\.js (?!${major}\\b)\\d`));
  });
});
