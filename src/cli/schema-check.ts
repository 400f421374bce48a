/**
 * `npm run schema:check`: the three-way drift check (entities, migrations, the database at
 * DATABASE_URL or the embedded default, and schema/snapshot.json). Exits 7 on any drift.
 */
import { FoundationDataSource } from '../database/foundation-data-source';
import { checkSchema, formatCheck } from '../schema/schema-check';
import { EXIT } from './exit-codes';
import { foundationCommand, runCommand, runProgram } from './runner';

const program = foundationCommand('schema:check', 'Compare entities, migrations, the database and schema/snapshot.json; exit 7 on drift')
  .action(() =>
    runCommand({ command: 'schema:check' }, async (dataSource) => {
      const result = await checkSchema(dataSource as FoundationDataSource);
      process.stdout.write(`${formatCheck(result)}\n`);
      return result.ok ? EXIT.ok : EXIT.checkFailed;
    }),
  );

runProgram(program);
