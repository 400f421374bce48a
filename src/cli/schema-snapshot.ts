/**
 * `npm run schema:snapshot`: rewrites schema/snapshot.json from a scratch database migrated
 * from the migrations (never from a live database, which may have drifted). Commit the result.
 */
import { Command } from 'commander';
import { withMigratedScratchDatabase } from '../schema/scratch-database';
import { readProjectSchema, SNAPSHOT_PATH, writeSnapshotFile } from '../schema/snapshot-file';
import { runWithDatabase } from './run-cli';

new Command('schema:snapshot').description('Rewrite schema/snapshot.json from the migrations').parse();

void runWithDatabase(async (dataSource) => {
  const model = await withMigratedScratchDatabase(dataSource.settings, readProjectSchema);
  writeSnapshotFile(model);
  process.stdout.write(`schema:snapshot: wrote ${SNAPSHOT_PATH} (${Object.keys(model.tables).length} tables)\n`);
});
