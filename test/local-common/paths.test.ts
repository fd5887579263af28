/** Folder names from resource names: never `.`, `..`, hidden or outside their root. */
import path from 'node:path';
import { isInside, nameSegment, resourceFolder } from '../../local/common/paths';

describe('nameSegment', () => {
  it.each([
    ['flinkflow-app_1.2', 'flinkflow-app_1.2'],
    ['..', '%2E.'],
    ['.', '%2E'],
    ['...', '%2E..'],
    ['.hidden', '%2Ehidden'],
    ['a/b', 'a%2Fb'],
    ['../../etc', '%2E.%2F..%2Fetc'],
    ['100%', '100%25'],
    ['é', '%C3%A9'],
  ])('It should turn %s into %s', (name, segment) => {
    // Act
    const result = nameSegment(name);

    // Assess
    expect(result).toBe(segment);
  });

  it('It should keep distinct names distinct, the encoded form of one included', () => {
    // Act
    const segments = ['..', '%2E.', '.', '%2E'].map(nameSegment);

    // Assess
    expect(new Set(segments).size).toBe(4);
  });

  it('It should refuse an empty name, which has no folder of its own', () => {
    // Act
    const act = () => nameSegment('');

    // Assess
    expect(act).toThrow('A resource name cannot be empty.');
  });
});

describe('isInside and resourceFolder', () => {
  it.each([
    ['/data', '/data', true],
    ['/data', '/data/apps/x', true],
    ['/data', '/data-other/x', false],
    ['/data', '/data/../etc', false],
    ['/data', '/', false],
  ])('It should say whether %s holds %s (%s)', (root, candidate, inside) => {
    // Act
    const result = isInside(root, candidate);

    // Assess
    expect(result).toBe(inside);
  });

  it('It should put an application named .. in a folder inside apps', () => {
    // Act
    const folder = resourceFolder('/data/apps', '..');

    // Assess
    expect(folder).toBe(path.join('/data/apps', '%2E.'));
  });
});
