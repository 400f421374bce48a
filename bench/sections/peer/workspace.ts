import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Timestamps of the generated migrations start here: after every real migration of the project. */
const GENERATED_FROM = 1_800_000_000_000;

/**
 * A copy of the compiled project (dist/) with `extra` generated trivial migrations added to its
 * migrations folder, and a stock TypeORM DataSource file beside it. Both deploy paths load the
 * very same compiled migration files from it. The copy lives under the project root (in the
 * git-ignored bench/.work/) so its `require`s resolve to the project's node_modules.
 */
export interface PeerWorkspace {
  dir: string;
  /** The project's compiled DataSource file (ormconfig.js of the copy). */
  projectDataSource: string;
  /** A plain TypeORM DataSource on the same migrations, table name and transaction mode. */
  stockDataSource: string;
  migrationsDir: string;
  /** Up SQL of each generated migration, in order (the floor script appends them). */
  generatedUpSql: string[];
  remove(): void;
}

export function createPeerWorkspace(root: string, extra: number): PeerWorkspace {
  const dir = path.join(root, 'bench', '.work', `peer-${extra}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  cpSync(path.join(root, 'dist'), path.join(dir, 'dist'), { recursive: true });
  const migrationsDir = path.join(dir, 'dist', 'src', 'migrations');
  const generatedUpSql: string[] = [];
  for (let i = 1; i <= extra; i++) {
    const timestamp = GENERATED_FROM + i;
    const table = `peer_trivial_${String(i).padStart(4, '0')}`;
    const up = `CREATE TABLE ${table} (id integer)`;
    generatedUpSql.push(up);
    writeFileSync(
      path.join(migrationsDir, `${timestamp}-PeerTrivial.js`),
      [
        '"use strict";',
        'Object.defineProperty(exports, "__esModule", { value: true });',
        `class PeerTrivial${timestamp} {`,
        `  async up(queryRunner) { await queryRunner.query(${JSON.stringify(up)}); }`,
        `  async down(queryRunner) { await queryRunner.query(${JSON.stringify(`DROP TABLE ${table}`)}); }`,
        '}',
        `exports.PeerTrivial${timestamp} = PeerTrivial${timestamp};`,
        '',
      ].join('\n'),
    );
  }
  const stockDataSource = path.join(dir, 'stock-ormconfig.js');
  writeFileSync(
    stockDataSource,
    [
      '// Stock TypeORM: the project\'s compiled migrations, migrations table and transaction mode, nothing else.',
      'const path = require("node:path");',
      'const { DataSource } = require("typeorm");',
      'module.exports = new DataSource({',
      '  type: "postgres",',
      '  url: process.env.DATABASE_URL,',
      '  migrations: [path.join(__dirname, "dist", "src", "migrations", "*.js")],',
      '  migrationsTableName: "schema_migrations",',
      '  migrationsTransactionMode: "each",',
      '});',
      '',
    ].join('\n'),
  );
  return {
    dir,
    projectDataSource: path.join(dir, 'dist', 'ormconfig.js'),
    stockDataSource,
    migrationsDir,
    generatedUpSql,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
