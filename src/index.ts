/**
 * The package entry of foundation-db, what an application service imports:
 *
 *     import { createApplicationDataSource, withTenant, recordAuditEvent, Client } from 'foundation-db';
 *
 * - the entities (mirrors of the migrations' tables) and their enums;
 * - the application DataSource factory (never an embedded server; docs/application.md);
 * - withTenant and the tenant-context functions (docs/tenancy.md);
 * - the audit API (docs/audit-log.md);
 * - the PHI encryption layer (docs/encryption.md).
 *
 * Each part is also its own entry: `foundation-db/entities`, `foundation-db/tenant-context`,
 * `foundation-db/audit`, `foundation-db/phi`. The migrations and commands ship compiled beside
 * them (`dist/ormconfig.js`, `dist/src/cli/*.js`) for deploys, and are not imported from here.
 */
// TypeORM reads the entities' decorator metadata through reflect-metadata, which must be loaded
// before the first entity class; loading it here spares every application the ordering rule.
import 'reflect-metadata';

export * from './entities';
export * from './database/tenant-context';
export * from './audit';
// src/audit and src/phi both name a type KeyEvent: the system audit log's record of a key
// operation, and the keyring's notification. The entry keeps the audit one and renames the other.
export * from './phi';
export type { KeyEvent } from './audit';
export type { KeyEvent as PhiKeyEvent } from './phi';
// Likewise TenantContextKey: the application's signing key (tenant-context) keeps the name, the
// entity of the table that stores installed keys is TenantContextKeyEntity.
export { TenantContextKey } from './database/tenant-context';
export { TenantContextKey as TenantContextKeyEntity } from './entities';

export { createApplicationDataSource, DEFAULT_APPLICATION_ROLE } from './database/application-data-source';
export type { ApplicationDataSourceOptions } from './database/application-data-source';
export { DatabaseConfigError } from './database/database-config-error';
export { FoundationNamingStrategy } from './database/naming-strategy';
export { MIGRATIONS_TABLE } from './database/data-source-options';
