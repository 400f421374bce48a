/**
 * `npm run schema:snapshot`: rewrites schema/snapshot.json from a scratch database migrated
 * from the migrations (never from a live database, which may have drifted). Commit the result.
 */
import path from 'node:path';
import { FoundationDataSource } from '../database/foundation-data-source';
import { withMigratedScratchDatabase } from '../schema/scratch-database';
import { readProjectSchema, SNAPSHOT_PATH, writeSnapshotFile } from '../schema/snapshot-file';
import { foundationCommand, runCommand, runProgram } from './runner';

const program = foundationCommand('schema:snapshot', 'Rewrite schema/snapshot.json from the migrations')
  .option('--file <path>', 'the snapshot file to write', SNAPSHOT_PATH)
  .action((options: { file: string }) =>
    runCommand({ command: 'schema:snapshot' }, async (dataSource) => {
      const model = await withMigratedScratchDatabase((dataSource as FoundationDataSource).settings, readProjectSchema);
      writeSnapshotFile(model, options.file);
      process.stdout.write(`schema:snapshot: wrote ${path.relative(process.cwd(), options.file)} (${Object.keys(model.tables).length} tables)\n`);
    }),
  );

runProgram(program);
