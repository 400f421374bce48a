import { DataSource } from 'typeorm';
import { resolveTenantContextKey } from '../database/tenant-context/context-key';
import { installTenantContextKey } from '../database/tenant-context/key-store';
import { USER_ROLES } from '../entities/enums';
import { seedAuditEvents } from './audit-seed';
import { seedCoreTables } from './core-seed';
import { seedIdentity } from './identity-seed';
import { SEED_TENANTS } from './seed-tenants';
import { SeedWriter } from './seed-writer';

export interface SeedReport {
  /** Rows added per table on this run (0 everywhere on a second run). */
  inserted: Record<string, number>;
  /** Optional parts skipped because their tables do not exist in this schema. */
  skipped: string[];
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
 * Development data, deterministic and idempotent, in one transaction: each tenant's rows are
 * written inside that tenant's context (entered with a proof), so the seed also works under
 * forced RLS. It installs the development tenant-context key first when the database lacks it
 * (it runs as the schema owner, who may), so the application can enter the seeded tenants.
 */
export async function runSeed(dataSource: DataSource, env: NodeJS.ProcessEnv = process.env): Promise<SeedReport> {
  const refusal = seedRefusal(env);
  if (refusal) throw new Error(refusal);
  const key = resolveTenantContextKey();
  await installTenantContextKey(dataSource, key);
  const runner = dataSource.createQueryRunner();
  const writer = new SeedWriter(runner, key);
  const skipped = new Set<string>();
  await runner.startTransaction();
  try {
    for (const tenant of SEED_TENANTS) {
      await writer.actAsTenant(tenant.id);
      await writer.insert('tenants', [{ id: tenant.id, name: tenant.name, slug: tenant.slug, settings: JSON.stringify({ locale: 'en-US' }) }]);
      await seedCoreTables(writer, tenant);
      if (!(await seedIdentity(writer, tenant, USER_ROLES))) skipped.add('identity providers and mappings (no ciam_* tables)');
      if (!(await seedAuditEvents(writer, tenant))) skipped.add('audit events (no user_action_audit_logs table)');
    }
    await runner.commitTransaction();
  } catch (error) {
    await runner.rollbackTransaction();
    throw error;
  } finally {
    await runner.release();
  }
  return { inserted: Object.fromEntries([...writer.inserted].sort(([a], [b]) => a.localeCompare(b))), skipped: [...skipped] };
}
