/**
 * The tenant-context key and the database hardening (docs/tenancy.md):
 *
 *   npm run tenant-context -- generate-key [--id <id>]   print a new key for FOUNDATION_TENANT_CONTEXT_KEY
 *   npm run tenant-context -- install-key                install the configured key (as the schema owner)
 *   npm run tenant-context -- list-keys                  ids and install times of the installed keys
 *   npm run tenant-context -- retire-key <id>            remove a key (after rotating away from it)
 *   npm run tenant-context -- harden [--apply] [--migrator <role>] [--app-login <role>]
 *
 * The key comes from FOUNDATION_TENANT_CONTEXT_KEY, or in development from the git-ignored key
 * file the first use creates. The secret is sent as a bind parameter and never printed, except by
 * `generate-key`, whose whole purpose is to print a new one for the secret store.
 *
 * `harden` prints the statements that close the side channels the schema cannot (database and
 * pg_catalog privileges) and which of them are in effect; `--apply` runs those the connected role
 * may run. Exit codes are the project's one table (src/cli/exit-codes.ts): `harden` exits 0 when
 * every step is in effect and 7 while a step is still open (it needs a superuser or the database
 * owner).
 */

import { TenantContextKey, resolveTenantContextKey } from '../database/tenant-context/context-key';
import { HardeningOptions, hardeningScript, inspectHardening } from '../database/tenant-context/database-hardening';
import { installTenantContextKey, listTenantContextKeys, retireTenantContextKey } from '../database/tenant-context/key-store';
import { EXIT } from './exit-codes';
import { CommandFailure, foundationCommand, runCommand, runProgram } from './runner';

const program = foundationCommand('tenant-context', 'Tenant-context keys and database hardening (docs/tenancy.md).');

program
  .command('generate-key')
  .description('print a new random key as FOUNDATION_TENANT_CONTEXT_KEY=<id>:<secret>, for the secret store')
  .option('--id <id>', 'key id (letters, digits, - and _)')
  .action((options: { id?: string }) => {
    const key = TenantContextKey.generate(options.id);
    process.stdout.write(`FOUNDATION_TENANT_CONTEXT_KEY=${key.format()}\n`);
  });

program
  .command('install-key')
  .description("install the application's key (FOUNDATION_TENANT_CONTEXT_KEY, or the development key) in the database")
  .action(() =>
    runCommand({ command: 'tenant-context install-key' }, async (dataSource) => {
      const key = resolveTenantContextKey();
      const added = await installTenantContextKey(dataSource, key);
      process.stdout.write(`tenant-context key ${key.id}: ${added ? 'installed' : 'already installed'}\n`);
    }),
  );

program
  .command('list-keys')
  .description('ids and install times of the keys the database accepts')
  .action(() =>
    runCommand({ command: 'tenant-context list-keys' }, async (dataSource) => {
      for (const { keyId, createdAt } of await listTenantContextKeys(dataSource)) {
        process.stdout.write(`${keyId}  installed ${createdAt.toISOString()}\n`);
      }
    }),
  );

program
  .command('retire-key <id>')
  .description('remove a key: proofs signed with it are refused from now on')
  .action((id: string) =>
    runCommand({ command: 'tenant-context retire-key' }, async (dataSource) => {
      if (!(await retireTenantContextKey(dataSource, id))) throw new CommandFailure(`tenant-context key ${id} is not installed`);
      process.stdout.write(`tenant-context key ${id}: retired\n`);
    }),
  );

program
  .command('harden')
  .description('print (or --apply) the database and pg_catalog privileges that close side channels')
  .option('--apply', 'run the steps the connected role may run')
  .option('--migrator <role>', 'the role that runs migrations (keeps the deploy lock); default: the owner of the tenants table')
  .option('--app-login <role>', "the application's login: pin its search_path and keep bind parameters out of logs")
  .action((options: { apply?: boolean; migrator?: string; appLogin?: string }) =>
    runCommand({ command: 'tenant-context harden' }, async (dataSource) => {
      const [facts] = await dataSource.query(
        `SELECT current_database() AS database,
                (SELECT relowner::regrole::text FROM pg_class WHERE oid = to_regclass('tenants')) AS schema_owner,
                (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser,
                pg_has_role(current_user, (SELECT datdba FROM pg_database WHERE datname = current_database()), 'USAGE') AS database_owner`,
      );
      const hardening: HardeningOptions = {
        database: facts.database,
        migratorRole: options.migrator ?? facts.schema_owner ?? 'postgres',
        appLogin: options.appLogin,
      };
      if (!options.apply) process.stdout.write(hardeningScript(hardening));
      let open = 0;
      for (const { step, inEffect } of await inspectHardening(dataSource, hardening)) {
        let state = inEffect ? 'in effect' : 'open';
        const allowed = facts.superuser || (step.needs === 'database owner' && facts.database_owner);
        if (!inEffect && options.apply && allowed) {
          for (const statement of step.statements(hardening)) await dataSource.query(statement);
          state = 'applied';
        } else if (!inEffect && options.apply) {
          state = `open: needs the ${step.needs}`;
        }
        if (state.startsWith('open')) open++;
        process.stdout.write(`-- ${step.name}: ${state}\n`);
      }
      if (open > 0) throw new CommandFailure(`harden: ${open} step(s) still open (run the statements above as the role named)`, EXIT.checkFailed);
    }),
  );

runProgram(program);
