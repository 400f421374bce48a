import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildDataSourceOptions } from '../../src/database/data-source-options';
import { FoundationDataSource } from '../../src/database/foundation-data-source';
import { checkSchema, CheckResult, formatCheck, MigratedReference } from '../../src/schema/schema-check';
import { withMigratedScratchDatabase } from '../../src/schema/scratch-database';
import { diffSchemas, formatDifferences } from '../../src/schema/schema-diff';
import { readProjectSchema, readSnapshotFile, serializeSchema } from '../../src/schema/snapshot-file';
import { runProjectCli } from '../support/cli';
import { createDatabase, dropDatabase, migratedTemplateName, testAdminSettings, uniqueDatabaseName } from '../support/databases';

/** A fresh clone of the migrated template, changed by hand with `sql`, for `work`. */
async function onMigratedClone<T>(sql: string[], work: (dataSource: FoundationDataSource) => Promise<T>): Promise<T> {
  const admin = testAdminSettings();
  const name = uniqueDatabaseName('drift');
  const settings = await createDatabase(admin, name, migratedTemplateName());
  const dataSource = new FoundationDataSource(buildDataSourceOptions(settings), settings);
  await dataSource.initialize();
  try {
    for (const statement of sql) await dataSource.query(statement);
    return await work(dataSource);
  } finally {
    await dataSource.destroy();
    await dropDatabase(admin, name);
  }
}

/**
 * The check's reference, "freshly migrated from the migrations": a clone of the template global
 * setup migrated, instead of migrating a scratch database from nothing for every case. The
 * first case and the command below use the real scratch database.
 */
const templateClone: MigratedReference = (_settings, work) => onMigratedClone([], work);

const driftAfter = (sql: string[], reference: MigratedReference = templateClone): Promise<CheckResult> =>
  onMigratedClone(sql, (dataSource) => checkSchema(dataSource, undefined, reference));

/** The report of the "database vs migrations" comparison. */
const databaseSection = (result: CheckResult) => result.sections[1]!.report.join('\n');

describe('schema:check', () => {
  it('passes on a freshly migrated database: entities, migrations, database and committed snapshot agree', async () => {
    const result = await driftAfter([], withMigratedScratchDatabase);
    expect(formatCheck(result)).toContain('schema:check: no drift');
    expect(result.sections.map((s) => s.report)).toEqual([[], [], [], []]);
    expect(result.ok).toBe(true);
  });

  it('names an extra index, as only in the database', async () => {
    const result = await driftAfter(['CREATE INDEX ix_clients_admitted_on ON clients (admitted_on)']);
    expect(result.ok).toBe(false);
    expect(databaseSection(result)).toMatch(/index clients\.ix_clients_admitted_on\n\s+only in database: CREATE INDEX ix_clients_admitted_on ON public\.clients USING btree \(admitted_on\)/);
    // The committed snapshot sees it too; the migrations still match the snapshot.
    expect(result.sections[3]!.report.join('\n')).toContain('index clients.ix_clients_admitted_on');
    expect(result.sections[2]!.report).toEqual([]);
  });

  it('names a changed CHECK, showing both definitions', async () => {
    const result = await driftAfter([
      'ALTER TABLE facilities DROP CONSTRAINT chk_facilities_capacity_non_negative',
      'ALTER TABLE facilities ADD CONSTRAINT chk_facilities_capacity_non_negative CHECK (capacity >= -1)',
    ]);
    expect(result.ok).toBe(false);
    const report = databaseSection(result);
    expect(report).toContain('constraint facilities.chk_facilities_capacity_non_negative');
    expect(report).toMatch(/database: +CHECK \(\(capacity >= '?-1'?(::integer)?\)\)/);
    expect(report).toMatch(/migrations: +CHECK \(\(capacity >= 0\)\)/);
  });

  it('names a disabled trigger', async () => {
    const result = await driftAfter(['ALTER TABLE tenants DISABLE TRIGGER trg_tenants_set_updated_at']);
    expect(result.ok).toBe(false);
    const report = databaseSection(result);
    expect(report).toContain('trigger tenants.trg_tenants_set_updated_at');
    expect(report).toMatch(/database: +CREATE TRIGGER trg_tenants_set_updated_at .* \(disabled\)/);
    expect(report).toMatch(/migrations: +CREATE TRIGGER trg_tenants_set_updated_at .* \(enabled\)/);
  });

  it('names a dropped policy, as only on the side that still has it', async () => {
    const result = await driftAfter(['DROP POLICY pol_clients_tenant_isolation ON clients']);
    expect(result.ok).toBe(false);
    expect(databaseSection(result)).toMatch(/policy clients\.pol_clients_tenant_isolation\n\s+only in migrations: /);
  });

  it('describes a partitioned table by its parent, whatever partitions it has', async () => {
    const parent = [
      `CREATE TABLE events (tenant_id uuid NOT NULL, occurred_at timestamptz NOT NULL) PARTITION BY RANGE (occurred_at)`,
      `CREATE INDEX ix_events_tenant_id ON events (tenant_id)`,
      `CREATE TABLE events_y2025m01 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2025-02-01')`,
    ];
    const oneMonth = await onMigratedClone(parent, readProjectSchema);
    const twoMonths = await onMigratedClone(
      [...parent, `CREATE TABLE events_y2031m07 PARTITION OF events FOR VALUES FROM ('2031-07-01') TO ('2031-08-01')`],
      readProjectSchema,
    );
    expect(oneMonth.tables['events']).toMatchObject({ kind: 'partitioned table', partitionKey: 'RANGE (occurred_at)' });
    expect(Object.keys(oneMonth.tables['events']!.indexes)).toEqual(['ix_events_tenant_id']);
    expect(Object.keys(oneMonth.tables).filter((name) => name.startsWith('events_'))).toEqual([]);
    expect(diffSchemas(oneMonth, twoMonths)).toEqual([]);
  });

  it('reports a stale committed snapshot as a difference between the migrations and the snapshot', async () => {
    const committed = readSnapshotFile()!;
    const stale = structuredClone(committed);
    delete stale.tables['facility_staff']!.indexes['ix_facility_staff_tenant_id_user_id'];
    const dir = mkdtempSync(path.join(os.tmpdir(), 'foundation-snapshot-'));
    try {
      const file = path.join(dir, 'snapshot.json');
      writeFileSync(file, serializeSchema(stale));
      const result = await onMigratedClone([], (dataSource) => checkSchema(dataSource, file, templateClone));
      expect(result.ok).toBe(false);
      expect(result.sections[2]!.report.join('\n')).toMatch(/index facility_staff\.ix_facility_staff_tenant_id_user_id\n\s+only in migrations: /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports pending migrations by name', async () => {
    const result = await driftAfter([`DELETE FROM schema_migrations WHERE name LIKE 'CreateFacilityStaff%'`]);
    expect(databaseSection(result)).toMatch(/migration CreateFacilityStaff\d+\n\s+not applied to the database \(pending\)/);
  });

  it('as a command, exits 7 and prints the drift; exits 0 once the database agrees', async () => {
    await onMigratedClone(['CREATE INDEX ix_users_last_name ON users (last_name)'], async (dataSource) => {
      const drifted = await runProjectCli('schema-check', [], { DATABASE_URL: dataSource.settings.url });
      expect(drifted.code).toBe(7);
      expect(drifted.stdout).toContain('index users.ix_users_last_name');
      expect(drifted.stdout).toContain('schema:check: drift found');

      await dataSource.query('DROP INDEX ix_users_last_name');
      const clean = await runProjectCli('schema-check', [], { DATABASE_URL: dataSource.settings.url });
      expect(clean).toMatchObject({ code: 0 });
      expect(clean.stdout).toContain('schema:check: no drift');
    });
  });
});
