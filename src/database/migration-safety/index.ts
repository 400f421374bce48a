/**
 * Deploy safety on top of TypeORM's migrations: an advisory lock around every run, checksums
 * of applied migrations, session timeouts, previews (plan), status as a gate, multi-step
 * revert. FoundationDataSource routes TypeORM's runMigrations/undoLastMigration through it, so
 * the TypeORM CLI gets it too. docs/operations.md, "Deploy safety", describes the behaviour.
 */
export { captureMigrationSql, createRecordingQueryRunner } from './capture-migration-sql';
export { migrationChecksum, migrationNameOf, compareChecksums } from './checksums';
export { acquireMigrationLock, MIGRATION_LOCK_KEY } from './advisory-lock';
export { EXIT, MigrationSafetyError } from './errors';
export { SAFETY_COLUMNS, readAppliedMigrations } from './migrations-table';
export { baselineMigrations } from './baseline';
export { buildMigrationPlan } from './plan';
export { ALLOW_DATA_LOSS_FLAG, ALLOW_DATA_LOSS_VARIABLE } from './revert-guard';
export { MigrationFailedError } from './explain-migration-error';
export { repairChecksum } from './repair-checksum';
export { revertMigrationsSafely } from './revert-migrations';
export type { RevertOptions, RevertReport } from './revert-migrations';
export { runMigrationsSafely } from './run-migrations';
export { DEFAULT_SETTINGS, readSafetySettings, formatDuration } from './settings';
export type { MigrationSafetySettings } from './settings';
export { migrationStatus } from './status';
export type { MigrationStatus } from './status';
