/**
 * Every test talks to a real PostgreSQL: the embedded server by default, DATABASE_URL when set.
 * Global setup migrates one template database; each test file clones it.
 * @type {import('jest').Config}
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': 'ts-jest' },
  setupFiles: ['reflect-metadata'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  // Tests wait on the database far more than on the CPU, so two workers even on small machines.
  maxWorkers: 2,
  testTimeout: 60_000,
};
