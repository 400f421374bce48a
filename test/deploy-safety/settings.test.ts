import { readSafetySettings } from '../../src/database/migration-safety';

/** The three environment variables: units, defaults, and a clear refusal of nonsense. */
describe('readSafetySettings', () => {
  it('reads milliseconds and units, and falls back to the defaults', () => {
    // The defaults docs/operations.md documents: 60s, 5s, 5min.
    expect(readSafetySettings({})).toEqual({ lockWaitMs: 60_000, lockTimeoutMs: 5_000, statementTimeoutMs: 300_000 });
    expect(readSafetySettings({ MIGRATION_LOCK_WAIT: '2min', MIGRATION_LOCK_TIMEOUT: '1500', MIGRATION_STATEMENT_TIMEOUT: '0' })).toEqual({
      lockWaitMs: 120_000,
      lockTimeoutMs: 1500,
      statementTimeoutMs: 0,
    });
    expect(readSafetySettings({ MIGRATION_LOCK_TIMEOUT: '2.5s' }).lockTimeoutMs).toBe(2500);
  });

  it('refuses a value that is not a duration, naming the variable', () => {
    expect(() => readSafetySettings({ MIGRATION_LOCK_TIMEOUT: 'five seconds' })).toThrow(
      'MIGRATION_LOCK_TIMEOUT="five seconds" is not a duration',
    );
  });
});
