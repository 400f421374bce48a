import { ConnectionSettings } from './connection-settings';
import { DatabaseConfigError } from './database-config-error';

type ErrorLike = { code?: string; message?: string; name?: string };

/** Why a connection attempt failed, for the errors a user can act on; undefined otherwise. */
function reasonFor(error: ErrorLike, settings: ConnectionSettings, connecting: boolean): string | undefined {
  const message = error.message ?? '';
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
    case 'EPIPE':
      return 'the server closed the connection (check SSL settings in DATABASE_URL, and that this port is PostgreSQL)';
    case '28P01':
    case '28000':
      return `authentication failed: ${message}`;
    case '3D000':
      return `${message} (create it first, or point DATABASE_URL at an existing database)`;
    case '42501':
      // At connect time: no CONNECT privilege on the database. Later it is another privilege
      // (failure-report.ts words that one).
      if (!connecting) return undefined;
      return `the role lacks a privilege: ${message} (GRANT CONNECT ON DATABASE ... TO ${settings.username}, or use another role)`;
    case '57P01':
    case '57P02':
    case '57P03':
      return `the server is starting up or shutting down (${message})`;
    case '53300':
      return `the server has no free connection slots (${message})`;
    default:
      break;
  }
  if (message === 'timeout expired' || /Connection terminated due to connection timeout/.test(message)) {
    const seconds = (settings.connectTimeoutMs ?? 0) / 1000;
    return `no answer within ${seconds}s (the connect timeout: connect_timeout in DATABASE_URL, or DATABASE_CONNECT_TIMEOUT); ` +
      'is this host and port a PostgreSQL server that is up?';
  }
  if (/Connection terminated unexpectedly/.test(message)) {
    return 'the connection was terminated during start-up (the server closed it: is this port a PostgreSQL server, and does it accept this client?)';
  }
  // pg reads the server's first bytes as a PostgreSQL message; anything else (an HTTP or SSH
  // server, a proxy's banner) ends in one of these.
  if (/^(received invalid response|Unknown message code|.*is not a function|Received unexpected|Cannot read properties)/.test(message)
    || error.name === 'RangeError') {
    return `the server at that port does not speak the PostgreSQL protocol (${message.slice(0, 80)})`;
  }
  if (/client password must be a string|SASL: SCRAM-SERVER-FIRST-MESSAGE: client password|password authentication failed/.test(message)
    || /no password supplied|password must be a string/.test(message)) {
    return 'the server asks for a password and DATABASE_URL has none (postgres://user:password@host:port/database)';
  }
  if (/self[- ]signed certificate|does not support SSL|SSL/i.test(message) && /SSL|certificate/.test(message)) {
    return `SSL negotiation failed: ${message}`;
  }
  return undefined;
}

/**
 * Turns a failure to connect into one line that says which server and why. Errors that are
 * not about reaching the server (a broken entity, a failing query) pass through unchanged.
 */
export function explainConnectionError(error: unknown, settings: ConnectionSettings, verb = 'Cannot connect to'): unknown {
  if (typeof error !== 'object' || error === null || error instanceof DatabaseConfigError) return error;
  const reason = reasonFor(error as ErrorLike, settings, verb === 'Cannot connect to');
  if (!reason) return error;
  return new DatabaseConfigError(`${describeServer(settings, verb)}: ${reason}`);
}

/** "Cannot connect to PostgreSQL at host:port (database "x", user "y")": the start of every such line. */
export function describeServer(settings: ConnectionSettings, verb = 'Cannot connect to'): string {
  return `${verb} PostgreSQL at ${settings.host}:${settings.port} (database "${settings.database}", user "${settings.username}")`;
}
