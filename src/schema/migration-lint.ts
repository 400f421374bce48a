import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { MigrationInterface } from 'typeorm';
import { captureMigrationSql } from '../database/migration-safety/capture-migration-sql';
import { migrationNameOf } from '../database/migration-safety/checksums';
import { projectRoot } from '../database/project-root';
import { LANDED_MIGRATION_EXCEPTIONS, LintException } from './lint-exceptions';

const run = promisify(execFile);

/**
 * Rules switched off for `down` only. A `down` exists to remove what its `up` made, just after
 * it was made: dropping that table, a column it added, or an index on it, is its purpose, not an
 * accident (and `migration:generate` writes exactly such a DROP COLUMN for every added column).
 * The data is guarded at revert time instead: a revert that would drop a table or column holding
 * rows refuses (exit 8) unless --allow-data-loss. The same statements in an `up` are still reported.
 */
export const DOWN_ONLY_EXCLUDED_RULES = ['ban-drop-table', 'ban-drop-column', 'require-concurrent-index-deletion'];

export interface LintViolation {
  migration: string;
  direction: 'up' | 'down';
  /** 1-based line in the SQL file the lint command writes (statements joined by blank lines). */
  line: number;
  rule: string;
  message: string;
  help: string | null;
  /** The offending SQL line, for the report. */
  sql: string;
}

export interface LintOptions {
  /** PostgreSQL version squawk assumes, such as "15.10". */
  pgVersion: string;
  /** Defaults to the project's .squawk.toml. */
  configPath?: string;
  /** Exceptions for landed migrations; defaults to LANDED_MIGRATION_EXCEPTIONS. */
  exceptions?: LintException[];
}

interface SquawkJsonViolation {
  file: string;
  line: number;
  rule_name: string;
  message: string;
  help: string | null;
}

/** One SQL text per migration direction: each recorded statement, ending in a semicolon. */
export function toSqlFile(statements: string[]): string {
  return `${statements.map((sql) => `${sql.trim().replace(/;\s*$/, '')};`).join('\n\n')}\n`;
}

/**
 * Lints the recorded SQL of each migration's `up` and `down` with squawk. A migration with
 * `transaction = false` is linted as running outside a transaction (squawk then also checks
 * that CONCURRENTLY is used where a transaction would forbid it).
 */
export async function lintMigrations(migrations: MigrationInterface[], options: LintOptions): Promise<LintViolation[]> {
  const configPath = options.configPath ?? path.join(projectRoot(), '.squawk.toml');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'foundation-lint-'));
  try {
    const groups = new Map<string, { direction: 'up' | 'down'; inTransaction: boolean; files: string[] }>();
    const owners = new Map<string, { migration: string; direction: 'up' | 'down' }>();
    for (const migration of migrations) {
      const name = migrationNameOf(migration);
      const inTransaction = migration.transaction !== false;
      for (const direction of ['up', 'down'] as const) {
        const file = path.join(dir, `${name}.${direction}.sql`);
        writeFileSync(file, toSqlFile(await captureMigrationSql(migration, direction)));
        owners.set(file, { migration: name, direction });
        const key = `${direction}:${inTransaction}`;
        if (!groups.has(key)) groups.set(key, { direction, inTransaction, files: [] });
        groups.get(key)!.files.push(file);
      }
    }
    const violations: LintViolation[] = [];
    for (const group of groups.values()) {
      const args = [
        '--reporter', 'json',
        '--config', configPath,
        '--pg-version', options.pgVersion,
        ...(group.inTransaction ? ['--assume-in-transaction'] : ['--no-assume-in-transaction']),
        // --exclude replaces the config file's list instead of adding to it, so both go here.
        ...(group.direction === 'down' ? ['--exclude', [...excludedRulesOf(configPath), ...DOWN_ONLY_EXCLUDED_RULES].join(',')] : []),
        ...group.files,
      ];
      for (const found of await runSquawk(args)) {
        const owner = owners.get(found.file) ?? { migration: path.basename(found.file), direction: group.direction };
        const lines = readFileSync(found.file, 'utf8').split('\n');
        violations.push({
          ...owner,
          line: found.line + 1,
          rule: found.rule_name,
          message: found.message,
          help: found.help,
          sql: (lines[found.line] ?? '').trim(),
        });
      }
    }
    const exceptions = options.exceptions ?? LANDED_MIGRATION_EXCEPTIONS;
    const excused = (v: LintViolation) =>
      exceptions.some((e) => e.migration === v.migration && e.direction === v.direction && e.rule === v.rule && v.sql.includes(e.sql));
    return violations.filter((v) => !excused(v)).sort((a, b) => a.migration.localeCompare(b.migration) || a.direction.localeCompare(b.direction) || a.line - b.line);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The `excluded_rules` list of a .squawk.toml (comments removed). */
export function excludedRulesOf(configPath: string): string[] {
  const text = readFileSync(configPath, 'utf8').replace(/#.*$/gm, '');
  const list = /excluded_rules\s*=\s*\[([^\]]*)\]/.exec(text)?.[1] ?? '';
  return [...list.matchAll(/"([^"]+)"/g)].map((match) => match[1]!);
}

/** squawk exits 1 when it finds something; its JSON report is on stdout either way. */
async function runSquawk(args: string[]): Promise<SquawkJsonViolation[]> {
  const binary = path.join(projectRoot(), 'node_modules', '.bin', 'squawk');
  let stdout: string;
  try {
    ({ stdout } = await run(binary, args, { maxBuffer: 64 * 1024 * 1024 }));
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    if (failed.code !== 1 || !failed.stdout) {
      throw new Error(`squawk failed (exit ${String(failed.code)}): ${failed.stderr ?? String(error)}`);
    }
    stdout = failed.stdout;
  }
  return stdout.trim() === '' ? [] : (JSON.parse(stdout) as SquawkJsonViolation[]);
}

/** A readable report: one block per violation, naming the migration, direction and rule. */
export function formatViolations(violations: LintViolation[]): string {
  return violations
    .map((v) => `${v.migration} ${v.direction}, line ${v.line}: ${v.rule}\n  ${v.message}${v.help ? `\n  help: ${v.help}` : ''}\n  > ${v.sql}`)
    .join('\n\n');
}
