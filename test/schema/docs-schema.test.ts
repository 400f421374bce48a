import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { renderSchemaDocs } from '../../src/schema/schema-docs';
import { readProjectSchema } from '../../src/schema/snapshot-file';
import { PROJECT_ROOT, runProjectCli } from '../support/cli';
import { useTestDatabase } from '../support/test-database';

const DOCS = path.join(PROJECT_ROOT, 'docs', 'schema.md');

describe('docs:schema', () => {
  const db = useTestDatabase('migrated');

  it('the committed docs/schema.md is what the migrated catalog generates', async () => {
    const generated = renderSchemaDocs(await readProjectSchema(db.dataSource));
    expect(readFileSync(DOCS, 'utf8')).toBe(generated);
  });

  it('documents every table with a section, its comment, and an ER entity; foreign keys as relationships', async () => {
    const model = await readProjectSchema(db.dataSource);
    const docs = renderSchemaDocs(model);
    expect(Object.keys(model.tables).length).toBeGreaterThanOrEqual(5);
    for (const [name, table] of Object.entries(model.tables)) {
      expect(docs).toContain(`## \`${name}\`\n\n${table.comment}`);
      expect(docs).toContain(`  ${name} {\n`);
    }
    expect(docs).toContain('  tenants ||--o{ users : "fk_users_tenant_id"');
    expect(docs).toContain('  facilities |o--o{ clients : "fk_clients_facility_id"');
    expect(docs).not.toMatch(/\d{4}-\d{2}-\d{2}T/); // no generation timestamps
  });

  it('--check exits 0 on the committed file and 7, naming the file, on a stale copy', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'foundation-docs-'));
    try {
      const copy = path.join(dir, 'schema.md');
      copyFileSync(DOCS, copy);
      const fresh = await runProjectCli('docs-schema', ['--check', '--file', copy], { DATABASE_URL: db.settings.url });
      expect(fresh).toMatchObject({ code: 0 });

      writeFileSync(copy, readFileSync(copy, 'utf8').replace('Date of admission to the facility.', 'Admission date.'));
      const stale = await runProjectCli('docs-schema', ['--check', '--file', copy], { DATABASE_URL: db.settings.url });
      expect(stale.code).toBe(7);
      expect(stale.stderr).toContain('schema.md is stale');
      expect(stale.stderr).toContain('run `npm run docs:schema`');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
