import { DataSource } from 'typeorm';
import { resolveTenantContextKey } from '../database/tenant-context/context-key';
import { installTenantContextKey } from '../database/tenant-context/key-store';
import { CLIENT_STATUSES, USER_ROLES } from '../entities/enums';
import { phiKeyringFromEnvironment } from '../phi/configure';
import { PhiKeyring } from '../phi/keyring';
import { seedAuditEvents } from './audit-seed';
import { seededClinicalPhi, seedClinicalTables } from './clinical-seed';
import { seedCoreTables, seededClientIdentity } from './core-seed';
import { seedIdentity } from './identity-seed';
import { SEED_TENANTS } from './seed-tenants';
import { SeedWriter } from './seed-writer';

export interface SeedReport {
  /** Rows added per table on this run (0 everywhere on a second run). */
  inserted: Record<string, number>;
}

/** Why db:seed will not run, or undefined when it may. */
export function seedRefusal(env: NodeJS.ProcessEnv): string | undefined {
  if (env.NODE_ENV === 'production') {
    return 'db:seed refuses to run with NODE_ENV=production: it writes made-up tenants, users and clients, ' +
      'which must never mix with real (protected health) data. Unset NODE_ENV or point DATABASE_URL at a development database.';
  }
  return undefined;
}

/**
 * Every PHI value the seed writes (client identities, clinical fields, medications, addresses):
 * stored only encrypted, so none may appear in clear anywhere in the database (the tests dump
 * it and look).
 */
export function seededPhiValues(): string[] {
  const values = new Set<string>();
  const add = (value: unknown) => {
    if (typeof value === 'string') values.add(value);
    else if (value && typeof value === 'object') Object.values(value).forEach(add);
  };
  for (const tenant of SEED_TENANTS) {
    for (const status of CLIENT_STATUSES) add(seededClientIdentity(tenant, status));
    add(seededClinicalPhi(tenant));
  }
  return [...values];
}

/**
 * Development data, deterministic and idempotent, in one transaction: each tenant's rows are
 * written inside that tenant's context (entered with a proof), so the seed also works under
 * forced RLS. It installs the development tenant-context key first when the database lacks it
 * (it runs as the schema owner, who may), so the application can enter the seeded tenants. PHI
 * is encrypted with each tenant's data key (created on first use); `keyring` defaults to the
 * environment's (the development key folder, or the configured KMS).
 */
export async function runSeed(dataSource: DataSource, env: NodeJS.ProcessEnv = process.env, keyring?: PhiKeyring): Promise<SeedReport> {
  const refusal = seedRefusal(env);
  if (refusal) throw new Error(refusal);
  const key = resolveTenantContextKey();
  await installTenantContextKey(dataSource, key);
  const phi = keyring ?? phiKeyringFromEnvironment(process.env);
  const runner = dataSource.createQueryRunner();
  const writer = new SeedWriter(runner, key);
  await runner.startTransaction();
  try {
    for (const tenant of SEED_TENANTS) {
      await writer.actAsTenant(tenant.id);
      await writer.insert('tenants', [{ id: tenant.id, name: tenant.name, slug: tenant.slug, settings: JSON.stringify({ locale: 'en-US' }) }]);
      const cipher = await phi.forTenantAsOwner((sql, parameters) => runner.query(sql, parameters), tenant.id);
      await seedCoreTables(writer, tenant, cipher);
      await seedClinicalTables(writer, tenant, cipher);
      await seedIdentity(writer, tenant, USER_ROLES);
      await seedAuditEvents(writer, tenant);
    }
    await runner.commitTransaction();
  } catch (error) {
    await runner.rollbackTransaction();
    throw error;
  } finally {
    await runner.release();
  }
  return { inserted: Object.fromEntries([...writer.inserted].sort(([a], [b]) => a.localeCompare(b))) };
}
