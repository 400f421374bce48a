import path from 'node:path';
import { DataSource, InstanceChecker } from 'typeorm';
import { createDataSource } from '../database/create-data-source';
import { DatabaseConfigError } from '../database/database-config-error';

/**
 * The DataSource a command works on: the project's own (DATABASE_URL or the embedded server,
 * as ormconfig.ts does), or the one exported by `-d <file>`, like the TypeORM CLI's option,
 * so the same commands work on another migration set (the tests use one).
 */
export async function loadDataSource(file?: string): Promise<DataSource> {
  if (!file) return createDataSource();
  // require, as the TypeORM CLI does: a CommonJS file, or TypeScript under ts-node.
  let exports: Record<string, unknown>;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    exports = require(path.resolve(process.cwd(), file)) as Record<string, unknown>;
  } catch (error) {
    // Bad configuration (exit code 2), like a malformed DATABASE_URL.
    throw new DatabaseConfigError(`Cannot load the DataSource file ${file}: ${(error as Error).message.split('\n')[0]}`);
  }
  for (const value of Object.values(exports)) {
    const resolved = await value;
    if (InstanceChecker.isDataSource(resolved)) return resolved as DataSource;
  }
  throw new DatabaseConfigError(`${file} exports no DataSource (nor a promise of one)`);
}
