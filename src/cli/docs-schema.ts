/**
 * `npm run docs:schema`: writes docs/schema.md from a scratch database migrated from the
 * migrations. `npm run docs:schema -- --check` writes nothing and exits 7 when the committed
 * file differs from what would be generated (CI runs this).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { FoundationDataSource } from '../database/foundation-data-source';
import { projectRoot } from '../database/project-root';
import { renderSchemaDocs } from '../schema/schema-docs';
import { withMigratedScratchDatabase } from '../schema/scratch-database';
import { readProjectSchema } from '../schema/snapshot-file';
import { EXIT } from './exit-codes';
import { CommandFailure, foundationCommand, runCommand, runProgram } from './runner';

const DOCS_PATH = path.join(projectRoot(), 'docs', 'schema.md');

const program = foundationCommand('docs:schema', 'Generate docs/schema.md from the migrations')
  .option('--check', 'exit 7 when docs/schema.md is not what would be generated')
  .option('--file <path>', 'the Markdown file to write or check', DOCS_PATH)
  .action(({ check, file }: { check?: boolean; file: string }) => runCommand({ command: 'docs:schema' }, (dataSource) => generate(dataSource as FoundationDataSource, check, file)));

async function generate(dataSource: FoundationDataSource, check: boolean | undefined, file: string): Promise<void> {
  const docs = renderSchemaDocs(await withMigratedScratchDatabase(dataSource.settings, readProjectSchema));
  if (check) {
    const committed = existsSync(file) ? readFileSync(file, 'utf8') : '';
    if (committed !== docs) {
      const a = committed.split('\n');
      const b = docs.split('\n');
      const line = a.findIndex((text, i) => text !== b[i]);
      throw new CommandFailure(
        `${path.relative(process.cwd(), file)} is stale (first difference at line ${(line === -1 ? a.length : line) + 1}): ` +
          'run `npm run docs:schema` and commit the result',
        EXIT.checkFailed,
      );
    }
    process.stdout.write(`docs:schema: ${path.relative(process.cwd(), file)} is up to date\n`);
    return;
  }
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, docs);
  process.stdout.write(`docs:schema: wrote ${path.relative(process.cwd(), file)}\n`);
}

runProgram(program);
