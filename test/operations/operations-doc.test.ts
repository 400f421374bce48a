import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { EXIT, EXIT_CODE_MEANINGS } from '../../src/cli/exit-codes';
import { DEFAULT_CONNECT_TIMEOUT_MS } from '../../src/database/connection-settings';
import { DEFAULT_SETTINGS, formatDuration } from '../../src/database/migration-safety/settings';
import { PROJECT_ROOT } from '../support/cli';

const DOC = readFileSync(path.join(PROJECT_ROOT, 'docs/operations.md'), 'utf8');

/** The rows of the Markdown table between `<!-- operations-doc-test: <name> -->` and its end marker. */
function tableRows(name: string): string[][] {
  const start = DOC.indexOf(`<!-- operations-doc-test: ${name} -->`);
  const end = DOC.indexOf('<!-- /operations-doc-test -->', start);
  expect(start).toBeGreaterThan(-1);
  return DOC.slice(start, end)
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .slice(2) // header and separator
    .map((line) => line.slice(1, -1).split(/(?<!\\)\|/).map((cell) => cell.trim()));
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => path.join(entry.parentPath, entry.name));
}

/** docs/operations.md holds THE exit-code and environment-variable tables; they must say what the code does. */
describe('docs/operations.md', () => {
  it("has the code's exit-code table, row for row, in the same words", () => {
    const documented = tableRows('exit codes').map(([code, meaning]) => [Number(code), meaning]);
    const coded = Object.entries(EXIT_CODE_MEANINGS).map(([code, meaning]) => [Number(code), meaning]);
    expect(documented).toEqual(coded);
    expect(new Set(Object.values(EXIT))).toEqual(new Set(coded.map(([code]) => code)));
  });

  it('lists every environment variable the code reads, with the defaults the code uses', () => {
    const documented = new Map(tableRows('environment variables').map(([name, fallback]) => [name!.replaceAll('`', ''), fallback!]));
    const read = new Set<string>();
    for (const file of [...sourceFiles(path.join(PROJECT_ROOT, 'src')), path.join(PROJECT_ROOT, 'ormconfig.ts')]) {
      const text = readFileSync(file, 'utf8');
      for (const pattern of [/\benv\.([A-Z][A-Z0-9_]+)/g, /process\.env\.([A-Z][A-Z0-9_]+)/g, /_VARIABLE = '([A-Z][A-Z0-9_]+)'/g, /readDurationVariable\(env, '([A-Z][A-Z0-9_]+)'/g]) {
        for (const match of text.matchAll(pattern)) read.add(match[1]!);
      }
    }
    expect(read.size).toBeGreaterThan(10);
    expect([...read].filter((name) => !documented.has(name)).sort()).toEqual([]);
    expect([...documented.keys()].filter((name) => !read.has(name)).sort()).toEqual([]);
    expect(documented.get('DATABASE_CONNECT_TIMEOUT')).toBe(`\`${formatDuration(DEFAULT_CONNECT_TIMEOUT_MS)}\``);
    expect(documented.get('MIGRATION_LOCK_WAIT')).toBe(`\`${formatDuration(DEFAULT_SETTINGS.lockWaitMs)}\``);
    expect(documented.get('MIGRATION_LOCK_TIMEOUT')).toBe(`\`${formatDuration(DEFAULT_SETTINGS.lockTimeoutMs)}\``);
    expect(documented.get('MIGRATION_STATEMENT_TIMEOUT')).toBe(`\`${formatDuration(DEFAULT_SETTINGS.statementTimeoutMs)}\``);
  });

  it('is the single source: the README links to it and holds no exit-code or variable table of its own', () => {
    const readme = readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8');
    expect(readme).toContain('docs/operations.md#exit-codes');
    expect(readme).toContain('docs/operations.md#environment-variables');
    expect(readme).not.toMatch(/^\| exit code \| meaning \|/m);
    expect(readme).not.toMatch(/^\| `MIGRATION_LOCK_WAIT` \|/m);
  });
});
