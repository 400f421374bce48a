import { readdirSync } from 'node:fs';
import path from 'node:path';
import { MigrationInterface } from 'typeorm';
import { MIGRATIONS_GLOB } from '../database/data-source-options';

export interface LoadedMigration {
  /** The migration's `name` (the class name, ending in its timestamp). */
  name: string;
  file: string;
  instance: MigrationInterface;
}

/**
 * Every migration class in the project's migrations folder, in timestamp order, without a
 * database: lint and docs tooling need the classes, not TypeORM's bookkeeping.
 */
export function loadMigrations(folder = path.dirname(MIGRATIONS_GLOB), extension = path.extname(MIGRATIONS_GLOB)): LoadedMigration[] {
  const files = readdirSync(folder)
    .filter((file) => file.endsWith(extension) && !file.endsWith('.d.ts'))
    .sort();
  const migrations: LoadedMigration[] = [];
  for (const file of files) {
    const exports = require(path.join(folder, file)) as Record<string, unknown>;
    for (const exported of Object.values(exports)) {
      if (typeof exported !== 'function' || typeof exported.prototype?.up !== 'function') continue;
      const instance = new (exported as new () => MigrationInterface)();
      migrations.push({ name: instance.name ?? exported.name, file: path.join(folder, file), instance });
    }
  }
  return migrations;
}
