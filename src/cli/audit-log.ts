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
 * Exit codes (src/cli/exit-codes.ts): 0 done / intact; 7 a chain is broken; 9 a partition was
 * skipped because its month's rows already sit in the default partition (needs a person);
 * 2 cannot connect; 64 bad arguments. The glue here stays thin: each subcommand is one call
 * into src/audit inside the project's one runner.
 */
import { InvalidArgumentError } from 'commander';
import { EntityManager } from 'typeorm';
import { dropExpiredAuditPartitions, ensureAuditPartitions, listAuditLogTenants, verifyAuditChain } from '../audit';
import { EXIT } from './exit-codes';
import { CommandFailure, foundationCommand, runCommand, runProgram } from './runner';

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

/** Runs `work` with a connected manager; the runner ends the process with the code it returns. */
function withDatabase(command: string, work: (manager: EntityManager) => Promise<number>): Promise<never> {
  return runCommand({ command: `audit-log ${command}` }, (dataSource) => work(dataSource.manager));
}

const program = foundationCommand('audit-log', 'Upkeep of the HIPAA audit log: partitions, chain verification, retention.');

program
  .command('partitions')
  .description("create the current month's and the coming months' partitions (idempotent)")
  .option('--months-ahead <n>', 'months after the current one', parseMonths, 3)
  .action((options: { monthsAhead: number }) =>
    withDatabase('partitions', async (manager) => {
      const outcomes = await ensureAuditPartitions(manager, options.monthsAhead);
      for (const { partitionName, outcome } of outcomes) process.stdout.write(`${partitionName}: ${outcome}\n`);
      return outcomes.some((o) => o.outcome.startsWith('skipped')) ? EXIT.needsAttention : EXIT.ok;
    }),
  );

program
  .command('verify')
  .description("walk a tenant's hash chain and report the first changed, missing or reordered row")
  .option('--tenant <uuid>', 'tenant id', parseUuid)
  .option('--all', 'every tenant that has audit events')
  .option('--json', 'print the verdicts as JSON')
  .action((options: { tenant?: string; all?: boolean; json?: boolean }) =>
    withDatabase('verify', async (manager) => {
      if (!options.tenant === !options.all) throw new CommandFailure('verify needs exactly one of --tenant <uuid> or --all', EXIT.usage);
      const tenants = options.tenant ? [options.tenant] : await listAuditLogTenants(manager);
      const verdicts = [];
      for (const tenant of tenants) verdicts.push({ tenant, ...(await verifyAuditChain(manager, tenant)) });
      if (options.json) {
        process.stdout.write(`${JSON.stringify({ tenants: verdicts, intact: verdicts.every((v) => v.intact) }, null, 2)}\n`);
      } else {
        if (tenants.length === 0) process.stdout.write('no tenant has audit events yet\n');
        for (const verdict of verdicts) {
          process.stdout.write(
            verdict.intact
              ? `${verdict.tenant}: intact\n`
              : `${verdict.tenant}: BROKEN at sequence ${verdict.sequence} (row ${verdict.rowId ?? 'absent'}): ${verdict.problem}\n`,
          );
        }
      }
      return verdicts.some((v) => !v.intact) ? EXIT.checkFailed : EXIT.ok;
    }),
  );

program
  .command('drop-expired')
  .description('retention: drop whole monthly partitions that ended before now() - retention')
  .option('--retention <interval>', 'PostgreSQL interval, at least 6 years', '6 years')
  .action((options: { retention: string }) =>
    withDatabase('drop-expired', async (manager) => {
      const dropped = await dropExpiredAuditPartitions(manager, options.retention);
      process.stdout.write(`${dropped.length === 0 ? 'nothing to drop' : dropped.map((name) => `dropped ${name}`).join('\n')}\n`);
      return EXIT.ok;
    }),
  );

runProgram(program);
