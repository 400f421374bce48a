/**
 * `npm run schema:check`: the three-way drift check (entities, migrations, the database at
 * DATABASE_URL or the embedded default, and schema/snapshot.json). Exits 1 on any drift.
 */
import { Command } from 'commander';
import { checkSchema, formatCheck } from '../schema/schema-check';
import { runWithDatabase } from './run-cli';

new Command('schema:check')
  .description('Compare entities, migrations, the database and schema/snapshot.json; exit 1 on drift')
  .parse();

void runWithDatabase(async (dataSource) => {
  const result = await checkSchema(dataSource);
  process.stdout.write(`${formatCheck(result)}\n`);
  return result.ok ? 0 : 1;
});
