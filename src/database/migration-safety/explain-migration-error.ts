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
 * A migration's `up` or `down` failed: a few lines naming the migration, the statement, the
 * object and PostgreSQL's reason, instead of a stack trace and a query log.
 */
export class MigrationFailedError extends MigrationSafetyError {
  override name = 'MigrationFailedError';

  constructor(
    readonly migration: string,
    readonly direction: 'up' | 'down',
    /** PostgreSQL's message (and SQLSTATE), without the statement. */
    readonly reason: string,
    readonly statement: string | undefined,
    readonly object: string | undefined,
    transactional: boolean,
    cause: unknown,
  ) {
    super(
      [
        `${direction === 'up' ? 'Migration' : 'Reverting migration'} ${migration} failed: ${reason}`,
        ...(statement ? [`  statement: ${statement}`] : []),
        ...(object ? [`  object:    ${object}`] : []),
        transactional
          ? `  ${direction === 'up' ? 'It was rolled back: nothing of it is applied or recorded' : 'Its down was rolled back: it is still applied'}; migrations before it stay as they were.`
          : '  It ran without a transaction (transaction = false): statements before the failing one stayed done; it is not recorded, and runs again from the start next time.',
      ].join('\n'),
      EXIT.failed,
      { cause },
    );
  }
}

/**
 * The object a failed statement is about: from PostgreSQL's error fields (table, column,
 * constraint, type), else from its message ("relation \"users\" already exists"), else from the
 * statement itself.
 */
export function objectOfFailure(error: unknown, statement: string): string | undefined {
  const fields = (error ?? {}) as { table?: string; column?: string; constraint?: string; dataType?: string; message?: string };
  if (fields.constraint) return `constraint ${fields.constraint}${fields.table ? ` on table ${fields.table}` : ''}`;
  if (fields.column && fields.table) return `column ${fields.table}.${fields.column}`;
  if (fields.table) return `table ${fields.table}`;
  if (fields.dataType) return `type ${fields.dataType}`;
  const ofRelation = /column "([^"]+)" of relation "([^"]+)"/.exec(fields.message ?? '');
  if (ofRelation) return `column ${ofRelation[2]}.${ofRelation[1]}`;
  const quoted = /(relation|type|function|index|constraint|column|trigger|policy|role|schema|extension|table) "([^"]+)"/.exec(fields.message ?? '');
  if (quoted) return `${quoted[1] === 'relation' ? 'relation' : quoted[1]} ${quoted[2]}`;
  const created = /\b(?:CREATE|ALTER|DROP|COMMENT ON)\s+(?:OR\s+REPLACE\s+)?(?:UNIQUE\s+)?(TABLE|INDEX|TYPE|FUNCTION|TRIGGER|POLICY|ROLE|EXTENSION|VIEW|SEQUENCE|COLUMN|SCHEMA)\s+(?:CONCURRENTLY\s+)?(?:IF\s+(?:NOT\s+)?EXISTS\s+)?([\w."]+)/i.exec(statement);
  if (created) return `${created[1]!.toLowerCase()} ${created[2]!.replaceAll('"', '')}`;
  const table = tableOfStatement(statement);
  return table ? `table ${table}` : undefined;
}

/**
 * Turns a failure of a migration's `up` or `down` into a message an operator can act on: the
 * two timeouts of the migrating session get their own advice; anything else becomes a
 * MigrationFailedError naming the migration, statement and object.
 */
export function explainMigrationError(
  error: unknown,
  migration: string,
  direction: 'up' | 'down',
  settings: MigrationSafetySettings,
  transactional = true,
): unknown {
  if (error instanceof MigrationSafetyError) return error;
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
  const reason = `${(error as Error)?.message ?? String(error)}${code ? ` [SQLSTATE ${code}]` : ''}`;
  const oneLine = query ? query.replace(/\s+/g, ' ').trim() : undefined;
  const shown = oneLine && oneLine.length > 160 ? `${oneLine.slice(0, 157)}...` : oneLine;
  return new MigrationFailedError(migration, direction, reason, shown, objectOfFailure(error, query), transactional, error);
}
