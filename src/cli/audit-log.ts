/**
 * Upkeep and evidence of the audit logs (the user-action log and the system log), for scheduled
 * jobs and auditors. Argument parsing and connecting only; the commands are src/audit/audit-commands.ts.
 *
 *   npm run audit-log -- partitions [--months-ahead 3]        create the coming months' partitions (monthly)
 *   npm run audit-log -- checkpoint                            sign every chain head into the checkpoint store (often)
 *   npm run audit-log -- verify --all | --tenant <uuid> | --stream <name> [--json] [--without-checkpoints]
 *   npm run audit-log -- prove --tenant <uuid> | --stream <name> --event <uuid> [--out proof.json]
 *   npm run audit-log -- verify-proof <proof.json>            no database needed
 *   npm run audit-log -- drop-expired [--retention '6 years'] the retention path
 *   npm run audit-log -- guard-sql                             the DDL guard's script, for a superuser
 *
 * Checkpoint store and keys: --store, --key, --public-key, or AUDIT_CHECKPOINT_STORE,
 * AUDIT_CHECKPOINT_KEY, AUDIT_CHECKPOINT_PUBLIC_KEYS (src/audit/checkpoints/checkpoint-config.ts).
 * Compiled: `node dist/src/cli/audit-log.js ...`. Exit codes: src/audit/exit-codes.ts, which names
 * the audit log's outcomes in the project's one table (src/cli/exit-codes.ts). Runs inside the
 * project's one runner (src/cli/runner.ts).
 */
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { EntityManager } from 'typeorm';
import {
  checkpointCommand,
  guardSqlCommand,
  partitionsCommand,
  proveCommand,
  retentionCommand,
  verifyCommand,
  verifyProofCommand,
} from '../audit/audit-commands';
import { AUDIT_LOG_NAMES, AuditLogName } from '../audit/chain/chain-logs';
import { AuditConfigError } from '../audit/checkpoints/checkpoint-config';
import { AUDIT_EXIT } from '../audit/exit-codes';
import { SYSTEM_AUDIT_STREAMS } from '../entities/enums';
import { CommandFailure, foundationCommand, runCommand, runProgram } from './runner';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const out = (line: string) => console.log(line);

function parseUuid(value: string, previous: string[] = []): string[] {
  if (!UUID.test(value)) throw new InvalidArgumentError('expected a tenant id (uuid)');
  return [...previous, value.toLowerCase()];
}

function parseOneUuid(value: string): string {
  return parseUuid(value)[0]!;
}

function parseStream(value: string, previous: string[] = []): string[] {
  if (!(SYSTEM_AUDIT_STREAMS as readonly string[]).includes(value)) throw new InvalidArgumentError(`expected one of ${SYSTEM_AUDIT_STREAMS.join(', ')}`);
  return [...previous, value];
}

function parseLog(value: string): AuditLogName {
  if (!(AUDIT_LOG_NAMES as readonly string[]).includes(value)) throw new InvalidArgumentError(`expected ${AUDIT_LOG_NAMES.join(' or ')}`);
  return value as AuditLogName;
}

function parseMonths(value: string): number {
  const months = Number(value);
  if (!Number.isInteger(months) || months < 0 || months > 120) throw new InvalidArgumentError('expected 0 to 120');
  return months;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/**
 * Runs a subcommand in the project's runner, on a database connection or none. The checkpoint
 * configuration's problems (no key, an unreadable store) are configuration errors, exit 2;
 * a usage mistake the options cannot express is exit 64.
 */
function run(command: string, work: (manager: EntityManager | null) => Promise<number> | number, needsDatabase = true): Promise<never> {
  return runCommand({ command: `audit-log ${command}`, database: needsDatabase }, async (dataSource) => {
    try {
      return await work(needsDatabase ? dataSource.manager : null);
    } catch (error) {
      if (error instanceof AuditConfigError) throw new CommandFailure(`audit-log: ${error.message}`, AUDIT_EXIT.configuration);
      if (error instanceof UsageError) throw new CommandFailure(`audit-log: ${error.message}`, AUDIT_EXIT.usage);
      throw error;
    }
  });
}

class UsageError extends Error {}

const withStore = (command: Command) =>
  command
    .option('--store <dir>', 'checkpoint store directory (AUDIT_CHECKPOINT_STORE)')
    .option('--public-key <pem>', 'a trusted public key file or folder of *.pub.pem (AUDIT_CHECKPOINT_PUBLIC_KEYS); repeatable', collect, []);

const program = foundationCommand('audit-log', 'Upkeep and evidence of the HIPAA audit logs: partitions, signed checkpoints, verification, proofs, retention.');

program
  .command('partitions')
  .description("create both logs' partitions for the current month and the coming months (idempotent)")
  .option('--months-ahead <n>', 'months after the current one', parseMonths, 3)
  .action((options: { monthsAhead: number }) => run('partitions', (manager) => partitionsCommand(manager!, options.monthsAhead, out)));

withStore(
  program
    .command('checkpoint')
    .description('sign every chain head of both logs into the checkpoint store (run by a scheduler)')
    .option('--key <pem>', 'private signing key, Ed25519 or P-256 (AUDIT_CHECKPOINT_KEY); default: the development key')
    .option('--json', 'print the run as JSON'),
).action((options: { store?: string; key?: string; publicKey: string[]; json?: boolean }) =>
  run('checkpoint', (manager) => checkpointCommand(manager!, { store: options.store, key: options.key, publicKeys: options.publicKey, json: Boolean(options.json) }, out)),
);

withStore(
  program
    .command('verify')
    .description('verify chains against themselves and the signed checkpoints; reports every problem of every chain')
    .option('--all', 'every chain of both logs')
    .option('--tenant <uuid>', "a tenant's chain of the user-action log; repeatable", parseUuid)
    .option('--stream <name>', 'a stream of the system log; repeatable', parseStream)
    .option('--log <name>', 'only this log with --all: user_action or system', parseLog)
    .option('--json', 'print the report as JSON')
    .option('--without-checkpoints', "check the chains against themselves only (misses a consistent rewrite by the tables' owner)"),
).action(
  (options: { all?: boolean; tenant?: string[]; stream?: string[]; log?: AuditLogName; json?: boolean; withoutCheckpoints?: boolean; store?: string; publicKey: string[] }) =>
    run('verify', (manager) => {
      const chosen = [options.all, options.tenant, options.stream].filter(Boolean).length;
      if (chosen !== 1) throw new UsageError('verify needs exactly one of --all, --tenant <uuid> or --stream <name>');
      const logs: AuditLogName[] = options.tenant ? ['user_action'] : options.stream ? ['system'] : options.log ? [options.log] : [...AUDIT_LOG_NAMES];
      return verifyCommand(
        manager!,
        {
          logs,
          chains: options.tenant ?? options.stream ?? [],
          json: Boolean(options.json),
          withoutCheckpoints: Boolean(options.withoutCheckpoints),
          store: options.store,
          publicKeys: options.publicKey,
        },
        out,
      );
    }),
);

withStore(
  program
    .command('prove')
    .description("an inclusion proof of one event against the latest checkpoint that covers it")
    .option('--tenant <uuid>', "the event's tenant (user-action log)", parseOneUuid)
    .option('--stream <name>', "the event's stream (system log)", (value: string) => parseStream(value)[0]!)
    .requiredOption('--event <uuid>', 'the event id', parseOneUuid)
    .option('--out <file>', 'write the proof to a new file instead of printing it'),
).action((options: { tenant?: string; stream?: string; event: string; out?: string; store?: string; publicKey: string[] }) =>
  run('prove', (manager) => {
    if (!options.tenant === !options.stream) throw new UsageError('prove needs exactly one of --tenant <uuid> or --stream <name>');
    const log: AuditLogName = options.tenant ? 'user_action' : 'system';
    return proveCommand(manager!, { log, chain: (options.tenant ?? options.stream)!, eventId: options.event, outFile: options.out, store: options.store, publicKeys: options.publicKey }, out);
  }),
);

program
  .command('verify-proof <file>')
  .description('check an inclusion proof with the trusted public keys only (no database)')
  .option('--public-key <pem>', 'a trusted public key file or folder of *.pub.pem; repeatable', collect, [])
  .action((file: string, options: { publicKey: string[] }) => run('verify-proof', () => verifyProofCommand(readFileSync(file, 'utf8'), { publicKeys: options.publicKey }, out), false));

program
  .command('drop-expired')
  .description('retention: drop whole monthly partitions of both logs that ended before now() - retention')
  .option('--retention <interval>', 'PostgreSQL interval, at least 6 years', '6 years')
  .action((options: { retention: string }) => run('drop-expired', (manager) => retentionCommand(manager!, options.retention, out)));

program
  .command('guard-sql')
  .description('print the audit DDL guard script a superuser runs (psql -v ON_ERROR_STOP=1 -f)')
  .action(() => run('guard-sql', () => guardSqlCommand(out), false));

runProgram(program);
