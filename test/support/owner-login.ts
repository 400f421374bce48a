import { randomBytes } from 'node:crypto';
import { ConnectionSettings, toDatabaseUrl } from '../../src/database/connection-settings';
import { foundationDataSourceFor } from '../../src/database/data-sources';
import { FoundationDataSource } from '../../src/database/foundation-data-source';
import { CLIENT_SEARCH_ROLE } from '../../src/migrations/1754250033000-CreateClientSearch';
import { TENANT_REGISTRY_ROLE } from '../../src/migrations/1754250034000-CreatePlatformOperations';
import { LOGIN_RESOLVER_ROLE } from '../../src/migrations/1754250035000-CreateLoginResolution';
import { AUDIT_MAINTAINER_ROLE } from '../../src/migrations/1754250036000-CreateAuditMaintenance';
import { TENANT_CONTEXT_ROLE } from '../../src/migrations/1754250080000-CreateTenantContextKeys';
import { ISSUER_REGISTRY_ROLE } from '../../src/migrations/1754250083000-GuardSharedCiamIssuers';
import { SYSTEM_AUDIT_WRITER_ROLE } from '../../src/migrations/1754250060000-CreateSystemAuditLog';
import { PHI_KEYRING_ROLE } from '../../src/migrations/1754250040000-CreatePhiKeyStore';
import { TEST_ROLE_PREFIX } from './app-login';
import { testAdminSettings } from './databases';
import { TestDatabase } from './test-database';
import { withAdminClient } from './test-server';

/**
 * The roles the migrations hand SECURITY DEFINER functions to. A migrator that is not a
 * superuser must be a member of each (transferFunctionOwnershipSql); once they exist, only an
 * administrator (PostgreSQL 16+: a holder of ADMIN OPTION) can grant that membership.
 */
export const FUNCTION_OWNING_ROLES: readonly string[] = [
  CLIENT_SEARCH_ROLE,
  TENANT_REGISTRY_ROLE,
  LOGIN_RESOLVER_ROLE,
  AUDIT_MAINTAINER_ROLE,
  TENANT_CONTEXT_ROLE,
  ISSUER_REGISTRY_ROLE,
  SYSTEM_AUDIT_WRITER_ROLE,
  PHI_KEYRING_ROLE,
];

export interface OwnerLogin {
  readonly role: string;
  readonly settings: ConnectionSettings;
  /** A DataSource on the test database as this login; closed again after the file's tests. */
  connect(): Promise<FoundationDataSource>;
  /**
   * Revokes the memberships granted for migrating. While it holds them (INHERIT), the policies
   * of those roles (USING (true)) apply to it too, and it would see every tenant's rows.
   */
  leaveRoles(): Promise<void>;
}

/**
 * A migrator that is not a superuser, as a managed PostgreSQL service gives one: a LOGIN role
 * with CREATEROLE (the migrations create their NOLOGIN roles when missing) and no SUPERUSER or
 * BYPASSRLS, made the owner of the calling file's (empty) test database, so it owns schema
 * public (PostgreSQL 15+) and may create the trusted extensions.
 *
 * `memberOf`: the function-owning roles that already exist on the cluster (global setup's
 * template migration created them) are granted to it by the administrator, as a deployment's
 * administrator must: on PostgreSQL 16+ a CREATEROLE role may grant only roles it administers,
 * and the migrations hand their functions to those roles (transferFunctionOwnershipSql).
 *
 * Declare it after `useTestDatabase`: jest runs afterAll hooks in declaration order, so the
 * database (which this role owns) is gone before the role is dropped.
 */
export function useOwnerLogin(db: TestDatabase, memberOf: readonly string[]): OwnerLogin {
  const role = `${TEST_ROLE_PREFIX}${process.pid}_owner_${randomBytes(4).toString('hex')}`;
  const password = randomBytes(12).toString('hex');
  const opened: FoundationDataSource[] = [];
  let settings: ConnectionSettings | undefined;

  beforeAll(async () => {
    await withAdminClient(testAdminSettings(), async (client) => {
      await client.query(`CREATE ROLE ${role} LOGIN NOSUPERUSER NOBYPASSRLS CREATEROLE INHERIT PASSWORD '${password}'`);
      for (const granted of memberOf) await client.query(`GRANT ${granted} TO ${role}`);
      await client.query(`ALTER DATABASE ${client.escapeIdentifier(db.name)} OWNER TO ${role}`);
    });
    // PostgreSQL 15+ gives schema public to the database owner (pg_database_owner); 14 leaves it
    // to the bootstrap superuser, so hand it over as docs/tenancy.md (Roles) tells a deployment on 14 to do.
    await withAdminClient(db.settings, (client) => client.query(`ALTER SCHEMA public OWNER TO ${role}`));
    const admin = db.settings;
    settings = { ...admin, username: role, password, url: toDatabaseUrl({ ...admin, username: role, password }, admin.database) };
  });

  afterAll(async () => {
    for (const dataSource of opened) if (dataSource.isInitialized) await dataSource.destroy();
    await withAdminClient(testAdminSettings(), (client) => client.query(`DROP ROLE IF EXISTS ${role}`));
  });

  const current = (): ConnectionSettings => {
    if (!settings) throw new Error('The owner login exists only inside tests (after beforeAll)');
    return settings;
  };
  return {
    role,
    get settings() {
      return current();
    },
    async connect() {
      const dataSource = foundationDataSourceFor(current());
      await dataSource.initialize();
      opened.push(dataSource);
      return dataSource;
    },
    async leaveRoles() {
      await withAdminClient(testAdminSettings(), async (client) => {
        for (const granted of memberOf) await client.query(`REVOKE ${granted} FROM ${role}`);
      });
    },
  };
}
