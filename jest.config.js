// @swc/jest transpiles TypeScript without type-checking (tsc does that in `make typecheck`),
// which keeps the unit suite fast.
//
// middy 7 ships ESM only (its package exports have no `require` condition), so jest's CommonJS
// resolver cannot find it: map it to its files and let swc transpile them like our own code.
const esmOnlyPackages = {
  moduleNameMapper: { '^@middy/(core|util)$': '<rootDir>/node_modules/@middy/$1/index.js' },
  transformIgnorePatterns: ['/node_modules/(?!@middy/)'],
};
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j)sx?$': ['@swc/jest'] },
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // Project names select suites: `jest --selectProjects unit`.
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform: { '^.+\\.(t|j)sx?$': ['@swc/jest'] },
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/local/', '<rootDir>/test/e2e/'],
      setupFilesAfterEnv: ['<rootDir>/test/setup.ts'],
      ...esmOnlyPackages,
    },
    {
      displayName: 'local',
      testEnvironment: 'node',
      transform: { '^.+\\.(t|j)sx?$': ['@swc/jest'] },
      testMatch: ['<rootDir>/test/local/**/*.test.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/setup.ts'],
      ...esmOnlyPackages,
    },
    {
      displayName: 'e2e',
      testEnvironment: 'node',
      transform: { '^.+\\.(t|j)sx?$': ['@swc/jest'] },
      testMatch: ['<rootDir>/test/e2e/**/*.test.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/setup.ts'],
      ...esmOnlyPackages,
    },
  ],
};
