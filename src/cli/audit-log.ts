/**
 * Upkeep of the audit log, for scheduled jobs and auditors:
 *
 *   npm run audit-log -- partitions [--months-ahead 3]   create the coming months' partitions
 *   npm run audit-log -- verify --tenant <uuid>          walk one tenant's hash chain
 *   npm run audit-log -- verify --all                    walk every tenant's chain
 *   npm run audit-log -- drop-expired [--retention '6 years']   the retention path
 *
 * Compiled: `node dist/src/cli/audit-log.js ...`. Connects like every command of the project:
 * DATABASE_URL, or the embedded server. Every command needs the audit table's owner (no
 * tenant context: `verify` and the anchors of `drop-expired` run through functions owned by
 * foundation_audit_maintainer, which row-level security lets see every tenant).
 *
 * Exit codes: 0 done / intact; 1 a chain is broken or the command failed; 2 a partition was
 * skipped because its month's rows already sit in the default partition (needs a person).
 */
import 'reflect-metadata';
import { Command, InvalidArgumentError } from 'commander';
import { EntityManager } from 'typeorm';
import { dropExpiredAuditPartitions, ensureAuditPartitions, listAuditLogTenants, verifyAuditChain } from '../audit';
import { createDataSource } from '../database/create-data-source';
import { DatabaseConfigError } from '../database/database-config-error';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function parseUuid(value: string): string {
  if (!UUID.test(value)) throw new InvalidArgumentError('expected a tenant id (uuid)');
  return value;
}

function parseMonths(value: string): number {
  const months = Number(value);
  if (!Number.isInteger(months) || months < 0 || months > 120) throw new InvalidArgumentError('expected 0 to 120');
  return months;
}

/** Runs `work` with a connected manager and sets the exit code it returns. */
async function withDatabase(work: (manager: EntityManager) => Promise<number>): Promise<void> {
  const dataSource = await createDataSource();
  try {
    await dataSource.initialize();
    process.exitCode = await work(dataSource.manager);
  } finally {
    await dataSource.destroy();
  }
}

const program = new Command('audit-log').description('Upkeep of the HIPAA audit log: partitions, chain verification, retention.');

program
  .command('partitions')
  .description("create the current month's and the coming months' partitions (idempotent)")
  .option('--months-ahead <n>', 'months after the current one', parseMonths, 3)
  .action((options: { monthsAhead: number }) =>
    withDatabase(async (manager) => {
      const outcomes = await ensureAuditPartitions(manager, options.monthsAhead);
      for (const { partitionName, outcome } of outcomes) console.log(`${partitionName}: ${outcome}`);
      return outcomes.some((o) => o.outcome.startsWith('skipped')) ? 2 : 0;
    }),
  );

program
  .command('verify')
  .description("walk a tenant's hash chain and report the first changed, missing or reordered row")
  .option('--tenant <uuid>', 'tenant id', parseUuid)
  .option('--all', 'every tenant that has audit events')
  .action((options: { tenant?: string; all?: boolean }) =>
    withDatabase(async (manager) => {
      if (!options.tenant === !options.all) throw new Error('verify needs exactly one of --tenant <uuid> or --all');
      const tenants = options.tenant ? [options.tenant] : await listAuditLogTenants(manager);
      if (tenants.length === 0) console.log('no tenant has audit events yet');
      let broken = 0;
      for (const tenant of tenants) {
        const verdict = await verifyAuditChain(manager, tenant);
        if (verdict.intact) {
          console.log(`${tenant}: intact`);
        } else {
          broken++;
          console.log(`${tenant}: BROKEN at sequence ${verdict.sequence} (row ${verdict.rowId ?? 'absent'}): ${verdict.problem}`);
        }
      }
      return broken > 0 ? 1 : 0;
    }),
  );

program
  .command('drop-expired')
  .description('retention: drop whole monthly partitions that ended before now() - retention')
  .option('--retention <interval>', 'PostgreSQL interval, at least 6 years', '6 years')
  .action((options: { retention: string }) =>
    withDatabase(async (manager) => {
      const dropped = await dropExpiredAuditPartitions(manager, options.retention);
      console.log(dropped.length === 0 ? 'nothing to drop' : dropped.map((name) => `dropped ${name}`).join('\n'));
      return 0;
    }),
  );

program.parseAsync().catch((error: unknown) => {
  process.stderr.write(`audit-log: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
