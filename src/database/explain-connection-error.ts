import { ConnectionSettings } from './connection-settings';
import { DatabaseConfigError } from './database-config-error';

/** Why a connection attempt failed, for the errors a user can act on; undefined otherwise. */
function reasonFor(error: { code?: string; message?: string }): string | undefined {
  switch (error.code) {
    case 'ECONNREFUSED':
      return 'connection refused (is the server running and listening on that port?)';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'the host name does not resolve';
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'the host is unreachable or the connection timed out';
    case 'ECONNRESET':
      return 'the server closed the connection (check SSL settings in DATABASE_URL)';
    case '28P01':
    case '28000':
      return `authentication failed: ${error.message}`;
    case '3D000':
      return `${error.message} (create it first, or point DATABASE_URL at an existing database)`;
    case '57P03':
      return 'the server is starting up or shutting down';
    default:
      if (error.message === 'timeout expired' || /Connection terminated due to connection timeout/.test(error.message ?? '')) {
        return 'the connection timed out';
      }
      return undefined;
  }
}

/**
 * Turns a failure to connect into one line that says which server and why. Errors that are
 * not about reaching the server (a broken entity, a failing query) pass through unchanged.
 */
export function explainConnectionError(error: unknown, settings: ConnectionSettings): unknown {
  if (typeof error !== 'object' || error === null) return error;
  const reason = reasonFor(error as { code?: string; message?: string });
  if (!reason) return error;
  return new DatabaseConfigError(
    `Cannot connect to PostgreSQL at ${settings.host}:${settings.port} (database "${settings.database}", user "${settings.username}"): ${reason}`,
  );
}
