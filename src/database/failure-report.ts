import { EXIT } from '../cli/exit-codes';
import { ScratchDatabaseError } from '../schema/scratch-server';
import { ConnectionSettings } from './connection-settings';
import { DatabaseConfigError } from './database-config-error';
import { describeServer, explainConnectionError } from './explain-connection-error';

/** FOUNDATION_VERBOSE=1 (or --verbose): echo the SQL, and print stack traces of unexpected errors. */
export const VERBOSE_VARIABLE = 'FOUNDATION_VERBOSE';

export function isVerbose(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env[VERBOSE_VARIABLE]?.trim().toLowerCase();
  return value !== undefined && value !== '' && value !== '0' && value !== 'false';
}

/**
 * What a command prints when it fails, and the exit code it ends with (src/cli/exit-codes.ts).
 * Every failure a user can act on is a message of one line (a few for a failed migration or a
 * refusal that names several objects), never a stack trace: connection problems name the
 * server and the reason, a missing privilege names the role and what it lacks.
 */
export interface FailureReport {
  message: string;
  exitCode: number;
}

export function reportFailure(error: unknown, settings?: ConnectionSettings, connected = true): FailureReport {
  if (error instanceof DatabaseConfigError || error instanceof ScratchDatabaseError) {
    return { message: error.message, exitCode: EXIT.configuration };
  }
  const withCode = error as { exitCode?: unknown; code?: unknown; message?: string; name?: string };
  if (typeof withCode?.code === 'string' && withCode.code.startsWith('commander.')) {
    return { message: withCode.message ?? String(error), exitCode: withCode.exitCode === 0 ? EXIT.ok : EXIT.usage };
  }
  if (typeof withCode?.exitCode === 'number') return { message: withCode.message ?? String(error), exitCode: withCode.exitCode };
  if (settings) {
    const explained = explainConnectionError(error, settings, connected ? 'Lost the connection to' : 'Cannot connect to');
    if (explained instanceof DatabaseConfigError) return { message: explained.message, exitCode: EXIT.configuration };
    const code = withCode?.code ?? (error as { driverError?: { code?: string } })?.driverError?.code;
    if (code === '42501') {
      return {
        message:
          `${describeServer(settings, 'PostgreSQL at')}: the role "${settings.username}" lacks a privilege this command needs: ${withCode.message}. ` +
          'Run migrations and tooling as the schema owner (docs/operations.md, "Roles and privileges")',
        exitCode: EXIT.configuration,
      };
    }
  }
  const text = error instanceof Error ? `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}` : String(error);
  const stack = isVerbose() && error instanceof Error && error.stack ? `\n${error.stack}` : ` (${VERBOSE_VARIABLE}=1 shows the stack trace)`;
  return { message: `${text}${stack}`, exitCode: EXIT.failed };
}
