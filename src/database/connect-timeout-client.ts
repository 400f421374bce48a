import { Client, ClientConfig } from 'pg';

/**
 * A pg Client that gives up connecting after `timeoutMs`. pg's own `connectionTimeoutMillis`
 * (TypeORM's `connectTimeoutMS`) is also pg-pool's limit on waiting for a free pooled
 * connection, which would make a busy pool fail instead of queueing; handing the pool this
 * Client class bounds the connection attempt only.
 */
export function clientWithConnectTimeout(timeoutMs: number): typeof Client {
  return class ConnectTimeoutClient extends Client {
    constructor(config?: string | ClientConfig) {
      super(typeof config === 'string' ? { connectionString: config, connectionTimeoutMillis: timeoutMs } : { ...config, connectionTimeoutMillis: timeoutMs });
    }
  };
}
