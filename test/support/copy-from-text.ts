import { Client, Query } from 'pg';

/**
 * `COPY ... FROM STDIN` with `data` as the input, on a plain pg client: the protocol's copy-in,
 * which node-postgres leaves to add-on packages. Resolves with the number of rows copied.
 */
export function copyFromText(client: Client, sql: string, data: string): Promise<number> {
  return new Promise((resolve, reject) => {
    class CopyIn extends (Query as unknown as new (config: unknown, values: unknown, callback: (error: Error | null, result: { rowCount: number }) => void) => object) {
      handleCopyInResponse(connection: { sendCopyFromChunk(chunk: Buffer): void; endCopyFrom(): void }): void {
        connection.sendCopyFromChunk(Buffer.from(data, 'utf8'));
        connection.endCopyFrom();
      }
    }
    client.query(new CopyIn(sql, undefined, (error, result) => (error ? reject(error) : resolve(result.rowCount))) as never);
  });
}
