import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { MIGRATIONS_TABLE } from '../database/data-source-options';
import { projectRoot } from '../database/project-root';
import { readSchema } from './read-schema';
import { SchemaModel } from './schema-model';

/** The committed snapshot: every schema change shows up in code review as a change of this file. */
export const SNAPSHOT_PATH = path.join(projectRoot(), 'schema', 'snapshot.json');

/** The schema of a database of ours, leaving out TypeORM's migrations table (its rows vary). */
export function readProjectSchema(dataSource: DataSource): Promise<SchemaModel> {
  return readSchema((sql, parameters) => dataSource.query(sql, parameters), { excludeTables: [MIGRATIONS_TABLE] });
}

export function serializeSchema(model: SchemaModel): string {
  return `${JSON.stringify(model, null, 2)}\n`;
}

export function readSnapshotFile(file = SNAPSHOT_PATH): SchemaModel | undefined {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as SchemaModel) : undefined;
}

export function writeSnapshotFile(model: SchemaModel, file = SNAPSHOT_PATH): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, serializeSchema(model));
}
