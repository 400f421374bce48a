/**
 * Key operations of field-level encryption (docs/encryption.md):
 *
 *   npm run phi:keys -- status [--tenant <uuid>]                  key versions and states
 *   npm run phi:keys -- rotate --tenant <uuid> | --all [--batch-size 500] [--pause 0]
 *   npm run phi:keys -- shred --tenant <uuid> --confirm <uuid>    crypto-shredding (offboarding)
 *
 * Compiled: `node dist/src/cli/phi-keys.js ...`. Runs as the key store's owner (the migrating
 * role) on DATABASE_URL or the embedded server; the key-encryption keys come from
 * FOUNDATION_PHI_KEK_MODULE (a KMS adapter) or, in development, FOUNDATION_PHI_KEY_DIR.
 *
 * `rotate` is killable: Ctrl-C, SIGTERM or SIGKILL end it at once, the batch in flight is rolled
 * back by the server, and running it again resumes. Exit codes are the project's one table
 * (src/cli/exit-codes.ts): 2 a key configuration that cannot work; 10 another rotation of the
 * tenant is running; 130/143 interrupted (run again to resume); 64 bad arguments.
 */
import { InvalidArgumentError } from 'commander';
import { DataSource } from 'typeorm';
import { listTenants, phiKeyringFromEnvironment, PhiKeyring, recordKeyEventsIn, rotateTenantKey, RotationInProgressError, shredTenant } from '../phi';
import { PhiConfigurationError, PhiError } from '../phi/errors';
import { EXIT } from './exit-codes';
import { progressBar } from './progress-bar';
import { CommandFailure, foundationCommand, runCommand, runProgram } from './runner';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const say = (line: string) => process.stderr.write(`${line}\n`);

/** Runs a command's work; the PHI module's own errors end it with their message, not a stack trace. */
function withPhiErrors<T>(work: () => Promise<T>): Promise<T> {
  return work().catch((error: unknown) => {
    if (error instanceof PhiError) throw new CommandFailure(error.message, EXIT.failed);
    throw error;
  });
}

function parseUuid(value: string): string {
  if (!UUID.test(value)) throw new InvalidArgumentError('expected a tenant id (uuid)');
  return value.toLowerCase();
}

function parseCount(min: number, max: number) {
  return (value: string): number => {
    const number = Number(value);
    if (!Number.isInteger(number) || number < min || number > max) throw new InvalidArgumentError(`expected ${min} to ${max}`);
    return number;
  };
}

/**
 * Runs a subcommand with the keyring from the environment, checked before connecting to
 * anything: a configuration that cannot work (production without a KMS adapter) ends the
 * command with exit code 2 and the reason. Rotations and shredding are recorded in the system
 * audit log of the database the command works on.
 */
function withKeyring(command: string, work: (dataSource: DataSource, keyring: PhiKeyring) => Promise<number | void>): Promise<never> {
  let keyring: PhiKeyring | undefined;
  let database: DataSource | undefined;
  return runCommand(
    {
      command: `phi:keys ${command}`,
      prepare: () => {
        try {
          keyring = phiKeyringFromEnvironment(process.env, {
            onKeyEvent: async (event) => {
              say(`key event: ${event.kind} tenant ${event.tenantId}`);
              if (database) await recordKeyEventsIn(database, `phi:keys ${command}`)(event);
            },
          });
        } catch (error) {
          if (error instanceof PhiConfigurationError) throw new CommandFailure(error.message, EXIT.configuration);
          throw error;
        }
      },
    },
    (dataSource) => {
      database = dataSource;
      return withPhiErrors(() => work(dataSource, keyring!));
    },
  );
}

const program = foundationCommand('phi:keys', 'Key operations of field-level encryption: status, rotation, crypto-shredding.');

program
  .command('status')
  .description("every tenant's data key versions and their states")
  .option('--tenant <uuid>', 'only this tenant', parseUuid)
  .action((options: { tenant?: string }) =>
    runCommand({ command: 'phi:keys status' }, async (dataSource) => {
      const rows: { tenant: string; key_version: number; state: string; kek_id: string; created_at: Date; retired_at: Date | null; destroyed_at: Date | null }[] =
        await dataSource.query(
          `SELECT subject_tenant_id AS tenant, key_version, state::text AS state, kek_id, created_at, retired_at, destroyed_at
           FROM phi_data_keys WHERE $1::uuid IS NULL OR subject_tenant_id = $1 ORDER BY 1, 2`,
          [options.tenant ?? null],
        );
      for (const row of rows) {
        const when = row.destroyed_at ?? row.retired_at ?? row.created_at;
        process.stdout.write(`${row.tenant}  v${row.key_version}  ${row.state.padEnd(9)}  ${when.toISOString()}  ${row.kek_id}\n`);
      }
      if (rows.length === 0) process.stdout.write('no data keys\n');
    }),
  );

program
  .command('rotate')
  .description("new data key version for a tenant, then re-encrypt every value under it (resumes an interrupted rotation)")
  .option('--tenant <uuid>', 'the tenant to rotate', parseUuid)
  .option('--all', 'every live tenant that has a data key')
  .option('--batch-size <rows>', 'rows per transaction', parseCount(1, 10_000), 500)
  .option('--pause <ms>', 'pause between batches, to spare a busy primary', parseCount(0, 60_000), 0)
  .action((options: { tenant?: string; all?: boolean; batchSize: number; pause: number }) => {
    if (Boolean(options.tenant) === Boolean(options.all)) program.error('phi:keys rotate: give --tenant <uuid> or --all');
    return withKeyring('rotate', async (dataSource, ring) => {
      let tenants = options.tenant ? [options.tenant] : await listTenants(dataSource);
      if (options.all) {
        const withKeys: { tenant: string }[] = await dataSource.query(
          `SELECT DISTINCT subject_tenant_id AS tenant FROM phi_data_keys WHERE state = 'active'`,
        );
        const keyed = new Set(withKeys.map((row) => row.tenant));
        tenants = tenants.filter((tenant) => keyed.has(tenant));
      }
      for (const tenant of tenants) {
        const bars = new Map<string, ReturnType<typeof progressBar>>();
        try {
          const report = await rotateTenantKey(dataSource, ring, tenant, {
            batchSize: options.batchSize,
            pauseMs: options.pause,
            onProgress: (progress) => {
              let bar = bars.get(progress.table);
              if (!bar) bars.set(progress.table, (bar = progressBar(`${tenant.slice(0, 8)} ${progress.table}`)));
              bar.update(progress.scanned, progress.total);
            },
          });
          for (const bar of bars.values()) bar.stop();
          say(
            `tenant ${tenant}: ${report.resumed ? 'resumed, ' : ''}now on key v${report.toVersion}; ${report.reencrypted} value(s) re-encrypted; retired ${report.retiredVersions.map((v) => `v${v}`).join(', ') || 'nothing'}`,
          );
        } catch (error) {
          for (const bar of bars.values()) bar.stop();
          if (error instanceof RotationInProgressError) throw new CommandFailure(error.message, EXIT.busy);
          throw error;
        }
      }
      if (tenants.length === 0) say('no tenant has a data key: nothing to rotate');
      return EXIT.ok;
    });
  });

program
  .command('shred')
  .description("destroy a tenant's key-encryption key and data keys: its PHI becomes unreadable everywhere, backups included")
  .requiredOption('--tenant <uuid>', 'the tenant to offboard', parseUuid)
  .requiredOption('--confirm <uuid>', 'the same tenant id again: this cannot be undone', parseUuid)
  .action((options: { tenant: string; confirm: string }) => {
    if (options.tenant !== options.confirm) program.error('phi:keys shred: --confirm must repeat the --tenant id exactly');
    return withKeyring('shred', async (dataSource, ring) => {
      const report = await shredTenant(dataSource, ring, options.tenant);
      say(
        `tenant ${report.tenantId}: key-encryption key ${report.kekId ?? '(none recorded)'} destroyed; data key version(s) ${report.destroyedVersions.map((v) => `v${v}`).join(', ') || '(already destroyed)'} erased`,
      );
    });
  });

runProgram(program);
