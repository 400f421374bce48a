/**
 * `npm run db:seed`: deterministic, idempotent development data (see src/seed/). Refuses to
 * run when NODE_ENV=production, before connecting to anything.
 */
import { Command } from 'commander';
import { runSeed, seedRefusal } from '../seed/run-seed';
import { CommandFailure, runWithDatabase } from './run-cli';

new Command('db:seed').description('Insert development data (idempotent); refuses NODE_ENV=production').parse();

const refusal = seedRefusal(process.env);
if (refusal) {
  process.stderr.write(`${refusal}\n`);
  process.exit(2);
}

void runWithDatabase(async (dataSource) => {
  const pending = await dataSource.showMigrations();
  if (pending) throw new CommandFailure('db:seed: the database has pending migrations; run npm run migration:run first');
  const report = await runSeed(dataSource);
  for (const [table, count] of Object.entries(report.inserted)) process.stdout.write(`  ${table}: ${count} row(s) added\n`);
  for (const part of report.skipped) process.stdout.write(`  skipped: ${part}\n`);
  process.stdout.write('db:seed: done\n');
});
