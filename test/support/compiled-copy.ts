import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const PROJECT_ROOT = path.resolve(__dirname, '../..');

/**
 * The deploy path's JavaScript (ormconfig.js and src/**), transpiled file by file into
 * `outDir` under the project (so it finds node_modules), as `npm run build` lays it out but
 * without type-checking: a few seconds instead of a full build, for tests that need the
 * compiled path's behaviour rather than proof that it type-checks (npm test does that).
 */
export function writeCompiledCopy(outDir: string): void {
  const { config } = ts.readConfigFile(path.join(PROJECT_ROOT, 'tsconfig.json'), ts.sys.readFile);
  const { options } = ts.convertCompilerOptionsFromJson(config.compilerOptions, PROJECT_ROOT);
  for (const source of listProjectSources()) {
    const { outputText } = ts.transpileModule(readFileSync(path.join(PROJECT_ROOT, source), 'utf8'), {
      compilerOptions: { ...options, sourceMap: false, declaration: false },
      fileName: source,
    });
    const target = path.join(outDir, source.replace(/\.ts$/, '.js'));
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, outputText);
  }
}

/** ormconfig.ts and every source under src/, relative to the project root. */
export function listProjectSources(): string[] {
  return ['ormconfig.ts', ...listTs(path.join(PROJECT_ROOT, 'src')).map((file) => path.relative(PROJECT_ROOT, file))].sort();
}

function listTs(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts'))
    .map((entry) => path.join(entry.parentPath, entry.name));
}
