/**
 * The DataSource that the TypeORM CLI loads (`typeorm -d ormconfig.ts`, or `-d dist/ormconfig.js`
 * once compiled). With DATABASE_URL it uses that server; without, it starts (or joins) the
 * embedded PostgreSQL, which the last command using it stops; deploy paths refuse that default
 * (src/database/deploy-target.ts).
 *
 * The CLI awaits this promise. It connects here, so that a configuration or server it cannot
 * use is reported as one line with the exit-code table's code (2), instead of TypeORM's
 * "Unable to open file" or "Error during migration run:" and a stack trace; the CLI's own
 * initialize() then finds it connected. Failures of the migration commands themselves are
 * reported the same way (FoundationDataSource.exitOnFailure), and Ctrl-C prints one line.
 */
import 'reflect-metadata';
import { openCommandLineDataSource } from './src/cli/command-line-data-source';

export default openCommandLineDataSource();
