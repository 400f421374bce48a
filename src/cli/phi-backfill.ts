/**
 * `npm run phi:backfill`: moves the clients' plaintext identity into ciphertexts, between the
 * expand migration (AddEncryptedClientColumns1754250049000) and the contract migration
 * (DropPlaintextClientColumns1754250084000), which refuses while any client is not moved.
 *
 *   npm run phi:backfill [-- --tenant <uuid>] [--batch-size 500]
 *   npm run phi:backfill -- --decrypt        the reverse, before reverting the expand migration
 *
 * Compiled: `node dist/src/cli/phi-backfill.js`. Runs as the owner (the migrating role); keys as
 * for `phi:keys`. Batches of short transactions per tenant; interrupted (Ctrl-C, SIGTERM, SIGKILL),
 * the batch in flight is rolled back and the next run continues where it stopped. Exit codes are
 * the project's one table (src/cli/exit-codes.ts): 2 a key configuration that cannot work,
 * 130/143 interrupted.
 */
import { InvalidArgumentError } from 'commander';
import { backfillClientIdentity, phiKeyringFromEnvironment, PhiKeyring } from '../phi';
import { PhiConfigurationError, PhiError } from '../phi/errors';
import { EXIT } from './exit-codes';
import { CommandFailure, foundationCommand, runCommand, runProgram } from './runner';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const say = (line: string) => process.stderr.write(`${line}\n`);

const program = foundationCommand('phi:backfill', "Encrypt the clients' plaintext identity (expand → contract), or write it back with --decrypt")
  .option('--tenant <uuid>', 'only this tenant (repeatable)', (value: string, previous: string[] = []) => {
    if (!UUID.test(value)) throw new InvalidArgumentError('expected a tenant id (uuid)');
    return [...previous, value.toLowerCase()];
  })
  .option('--batch-size <rows>', 'rows per transaction', (value: string) => {
    const rows = Number(value);
    if (!Number.isInteger(rows) || rows < 1 || rows > 10_000) throw new InvalidArgumentError('expected 1 to 10000');
    return rows;
  }, 500)
  .option('--decrypt', 'write the plaintext back from the ciphertexts (before reverting AddEncryptedClientColumns)')
  .action((options: { tenant?: string[]; batchSize: number; decrypt?: boolean }) => {
    let keyring: PhiKeyring | undefined;
    return runCommand(
      {
        command: 'phi:backfill',
        // Checked before connecting: a configuration that cannot work ends here with exit code 2.
        prepare: () => {
          try {
            keyring = phiKeyringFromEnvironment(process.env, { onKeyEvent: (event) => void say(`key event: ${event.kind} tenant ${event.tenantId}`) });
          } catch (error) {
            if (error instanceof PhiConfigurationError) throw new CommandFailure(error.message, EXIT.configuration);
            throw error;
          }
        },
      },
      async (dataSource) => {
        const report = await backfillClientIdentity(dataSource, keyring!, {
          tenants: options.tenant,
          batchSize: options.batchSize,
          decrypt: options.decrypt,
          onProgress: ({ tenantId, moved }) => say(`  tenant ${tenantId}: ${moved} client(s) so far`),
        }).catch((error: unknown) => {
          // The PHI module's own errors end the command with their message, not a stack trace.
          if (error instanceof PhiError) throw new CommandFailure(error.message, EXIT.failed);
          throw error;
        });
        if (report.nothingToDo) {
          process.stdout.write(`phi:backfill: nothing to do: ${report.nothingToDo}\n`);
          return EXIT.ok;
        }
        for (const [tenant, moved] of Object.entries(report.moved)) process.stdout.write(`  tenant ${tenant}: ${moved} client(s) ${options.decrypt ? 'decrypted back' : 'encrypted'}\n`);
        process.stdout.write('phi:backfill: done\n');
        return EXIT.ok;
      },
    );
  });

runProgram(program);
