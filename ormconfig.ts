/**
 * The DataSource that the TypeORM CLI loads (`typeorm -d ormconfig.ts`, or `-d dist/ormconfig.js`
 * once compiled). With DATABASE_URL it uses that server; without, it starts the embedded
 * PostgreSQL and stops it when the command destroys the DataSource.
 *
 * The CLI awaits this promise. A configuration it cannot use is reported here as one line and a
 * non-zero exit; the CLI would otherwise wrap it in "Unable to open file" and a stack trace.
 */
import 'reflect-metadata';
import { createDataSource } from './src/database/create-data-source';
import { DatabaseConfigError } from './src/database/database-config-error';

export default createDataSource().catch((error: unknown) => {
  if (!(error instanceof DatabaseConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
});
