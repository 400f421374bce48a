/**
 * `npm run migration:manifest`: records the checksums of new migrations in
 * schema/migration-checksums.json (commit it with the migration). Never changes the entry of a
 * landed migration: an edited or removed one is refused (exit 4), naming it, unless
 * `--accept <name>` says a reviewer agreed. `--check` writes nothing: exit 0 when the manifest
 * and the code agree, 4 for an edited or removed landed migration, 7 for new migrations not
 * yet recorded. Needs no database.
 */
import path from 'node:path';
import { compareManifest, currentChecksums, MANIFEST_PATH, readManifest, writeManifest } from '../database/migration-safety/manifest';
import { loadMigrations } from '../schema/load-migrations';
import { EXIT } from './exit-codes';
import { CommandFailure, foundationCommand, runCommand, runProgram } from './runner';

const collect = (value: string, previous: string[]) => [...previous, value];

const program = foundationCommand('migration:manifest', 'Record the checksums of new migrations in schema/migration-checksums.json')
  .option('--check', 'write nothing; exit 4 when a landed migration was edited or removed, 7 when new ones are not recorded')
  .option('--accept <name>', 'accept the edit (or removal) of this landed migration after review; repeatable', collect, [])
  .option('--file <path>', 'the manifest file', MANIFEST_PATH)
  .action((options: { check?: boolean; accept: string[]; file: string }) =>
    runCommand({ command: 'migration:manifest', database: false }, async () => {
      const current = await currentChecksums(loadMigrations().map((m) => m.instance));
      const manifest = readManifest(options.file);
      const comparison = compareManifest(manifest, current);
      const file = path.relative(process.cwd(), options.file);
      const unaccepted = [
        ...comparison.edited.filter((e) => !options.accept.includes(e.name)).map((e) => `  ${e.name}: manifest ${e.manifest}, code now ${e.code} (edited)`),
        ...comparison.removed.filter((name) => !options.accept.includes(name)).map((name) => `  ${name}: in the manifest, no longer in the code (removed or renamed)`),
      ];
      if (unaccepted.length > 0) {
        throw new CommandFailure(
          [`Landed migrations changed; ${file} keeps their recorded checksums:`, ...unaccepted,
            'Landed migrations are immutable: undo the change and put it in a new migration. If a reviewer agreed to it, pass --accept <name>.'].join('\n'),
          EXIT.checksumMismatch,
        );
      }
      if (options.check) {
        if (comparison.missing.length > 0) {
          throw new CommandFailure(`${file} has no entry for ${comparison.missing.join(', ')}: run npm run migration:manifest and commit it`, EXIT.checkFailed);
        }
        process.stdout.write(`migration:manifest: ${file} agrees with the ${Object.keys(current).length} migrations\n`);
        return;
      }
      const kept = Object.fromEntries(Object.entries(manifest?.migrations ?? {}).filter(([name]) => current[name] !== undefined || !options.accept.includes(name)));
      for (const name of [...comparison.missing, ...options.accept.filter((name) => current[name] !== undefined)]) kept[name] = current[name]!;
      writeManifest(kept, options.file);
      process.stdout.write(`migration:manifest: wrote ${file} (${comparison.missing.length} new: ${comparison.missing.join(', ') || 'none'})\n`);
    }),
  );

runProgram(program);
