/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, sourceMaps: 'inline' }],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  // A hang guard, not a speed test (tests never assert wall-clock times): on a shared two-core CI
  // machine a suite that reads the samples or starts local servers can take well over jest's 5 s.
  testTimeout: 60_000,
};
