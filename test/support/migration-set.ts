import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compiledFile } from './compiled-project';

/** One test-only migration: its SQL, one statement per string. */
export interface MigrationSpec {
  /** Class name ending in a 13-digit timestamp, as TypeORM requires. */
  name: string;
  up: string[];
  down: string[];
  /** Written as `transaction = false` when false. */
  transaction?: false;
}

/**
 * A throw-away folder holding a migration set as plain CommonJS files (no imports, so they
 * load from anywhere) and `datasource.js`, which exports a FoundationDataSource on
 * DATABASE_URL with those migrations: the file both CLIs take with `-d`. It requires the
 * project's compiled copy (compiled-project.ts), so plain `node` runs both CLIs on it.
 */
export class MigrationSet {
  readonly dir = mkdtempSync(path.join(os.tmpdir(), 'foundation-migration-set-'));
  readonly dataSourceFile = path.join(this.dir, 'datasource.js');
  private readonly migrationsDir = path.join(this.dir, 'migrations');

  /**
   * `commandLine`: the DataSource file behaves as ormconfig.ts does for the TypeORM CLI
   * (connects itself, reports failures with the exit-code table, handles Ctrl-C).
   */
  constructor(specs: MigrationSpec[], { commandLine = false }: { commandLine?: boolean } = {}) {
    mkdirSync(this.migrationsDir);
    for (const spec of specs) this.write(spec);
    const src = (file: string) => JSON.stringify(compiledFile(`src/database/${file}.ts`));
    writeFileSync(
      this.dataSourceFile,
      `// The project's compiled JavaScript (the test run's copy), as a deploy would load it.
const { buildDataSourceOptions } = require(${src('data-source-options')});
const { FoundationDataSource } = require(${src('foundation-data-source')});
const { parseDatabaseUrl } = require(${src('connection-settings')});
const settings = parseDatabaseUrl(process.env.DATABASE_URL);
const create = async () => new FoundationDataSource(
  { ...buildDataSourceOptions(settings), migrations: [${JSON.stringify(path.join(this.migrationsDir, '*.js'))}] },
  settings,
);
${commandLine
  ? `exports.default = require(${JSON.stringify(compiledFile('src/cli/command-line-data-source.ts'))}).openCommandLineDataSource(process.env, create);`
  : 'exports.default = create();'}
`,
    );
  }

  /** Writes (or overwrites: "edits") one migration file. */
  write(spec: MigrationSpec): void {
    const calls = (statements: string[]) => statements.map((sql) => `    await queryRunner.query(${JSON.stringify(sql)});`).join('\n');
    writeFileSync(
      path.join(this.migrationsDir, `${spec.name.slice(-13)}-${spec.name}.js`),
      `exports.${spec.name} = class ${spec.name} {
  constructor() {
    this.name = ${JSON.stringify(spec.name)};${spec.transaction === false ? '\n    this.transaction = false;' : ''}
  }
  async up(queryRunner) {
${calls(spec.up)}
  }
  async down(queryRunner) {
${calls(spec.down)}
  }
};
`,
    );
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Migration classes built in memory from specs, for in-process DataSources. */
export function migrationClasses(specs: MigrationSpec[]): Function[] {
  return specs.map((spec) => {
    const holder = {
      [spec.name]: class {
        name = spec.name;
        transaction = spec.transaction;
        async up(queryRunner: { query(sql: string): Promise<unknown> }) {
          for (const sql of spec.up) await queryRunner.query(sql);
        }
        async down(queryRunner: { query(sql: string): Promise<unknown> }) {
          for (const sql of spec.down) await queryRunner.query(sql);
        }
      },
    };
    return holder[spec.name]!;
  });
}
