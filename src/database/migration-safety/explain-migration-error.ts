import { EXIT, MigrationSafetyError } from './errors';
import { formatDuration, MigrationSafetySettings } from './settings';

/** The PostgreSQL error code of a pg or TypeORM error, if any. */
function codeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const withCode = error as { code?: unknown; driverError?: { code?: unknown } };
  const code = withCode.code ?? withCode.driverError?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * The table a DDL statement is about, read from the statement text. lock_timeout's error does
 * not say which lock it waited for, and the wait is over by the time it is reported, so the
 * statement is the best witness; undefined when no pattern fits.
 */
export function tableOfStatement(sql: string): string | undefined {
  const patterns = [
    /\b(?:ALTER|DROP|TRUNCATE|LOCK)\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?([\w."]+)/i,
    /\bCREATE\s+(?:UNIQUE\s+)?INDEX\b.*?\bON\s+(?:ONLY\s+)?([\w."]+)/is,
    /\b(?:CREATE|DROP)\s+(?:OR\s+REPLACE\s+)?(?:TRIGGER|POLICY|RULE)\b.*?\bON\s+([\w."]+)/is,
    /\bREFERENCES\s+([\w."]+)/i,
    /\b(?:UPDATE|INSERT\s+INTO|DELETE\s+FROM)\s+([\w."]+)/i,
  ];
  for (const pattern of patterns) {
    const match = pattern.exec(sql);
    if (match?.[1]) return match[1].replaceAll('"', '');
  }
  return undefined;
}

/**
 * Turns the two timeouts of the migrating session into messages an operator can act on;
 * other errors pass through unchanged.
 */
export function explainMigrationError(
  error: unknown,
  migration: string,
  direction: 'up' | 'down',
  settings: MigrationSafetySettings,
): unknown {
  const code = codeOf(error);
  const query = typeof (error as { query?: unknown })?.query === 'string' ? (error as { query: string }).query : '';
  const statement = query.trim().split('\n')[0]?.slice(0, 120) ?? '';
  const action = direction === 'up' ? 'migration' : 'reverting migration';
  if (code === '55P03') {
    const table = tableOfStatement(query);
    return new MigrationSafetyError(
      `${action} ${migration} could not get a lock${table ? ` on table ${table}` : ''} within ${formatDuration(settings.lockTimeoutMs)} ` +
        `(lock_timeout, MIGRATION_LOCK_TIMEOUT); a long transaction is holding it. The migration was rolled back ` +
        `(unless it runs with transaction = false). Find the oldest transactions with: ` +
        `SELECT pid, state, xact_start, query FROM pg_stat_activity WHERE xact_start IS NOT NULL ORDER BY xact_start LIMIT 5; ` +
        `retry when it has finished, or raise MIGRATION_LOCK_TIMEOUT. Statement: ${statement}`,
      EXIT.failed,
      { cause: error },
    );
  }
  if (code === '57014' && /statement timeout/i.test(String((error as Error).message))) {
    return new MigrationSafetyError(
      `${action} ${migration} was cancelled after ${formatDuration(settings.statementTimeoutMs)} (statement_timeout, MIGRATION_STATEMENT_TIMEOUT). ` +
        `The migration was rolled back (unless it runs with transaction = false). Make the statement faster (batch a backfill, ` +
        `build an index CONCURRENTLY) or raise MIGRATION_STATEMENT_TIMEOUT for this run. Statement: ${statement}`,
      EXIT.failed,
      { cause: error },
    );
  }
  return error;
}
