/**
 * `npm run db:seed`: deterministic, idempotent development data (see src/seed/). Refuses to
 * run when NODE_ENV=production, before connecting to anything (exit 8).
 */
import { runSeed, seedRefusal } from '../seed/run-seed';
import { EXIT } from './exit-codes';
import { CommandFailure, foundationCommand, runCommand, runProgram } from './runner';

const program = foundationCommand('db:seed', 'Insert development data (idempotent); refuses NODE_ENV=production').action(() => {
  const refusal = seedRefusal(process.env);
  return runCommand({ command: 'db:seed', database: !refusal }, async (dataSource) => {
    if (refusal) throw new CommandFailure(refusal, EXIT.refused);
    const pending = await dataSource.showMigrations();
    if (pending) throw new CommandFailure('db:seed: the database has pending migrations; run npm run migration:run first', EXIT.pending);
    const report = await runSeed(dataSource);
    for (const [table, count] of Object.entries(report.inserted)) process.stdout.write(`  ${table}: ${count} row(s) added\n`);
    process.stdout.write('db:seed: done\n');
  });
});

runProgram(program);
