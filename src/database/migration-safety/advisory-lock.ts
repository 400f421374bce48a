import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { obtainRawConnection, RawPooledClient } from '../typeorm-internals';
import { EXIT, MigrationSafetyError } from './errors';
import { formatDuration } from './settings';

/**
 * The advisory lock key every migrating process of this project takes: derived from a fixed
 * string, so it is the same for every version of the code, and unlikely to collide with the
 * application's own advisory locks. Advisory locks are per database, so runs against
 * different databases on one server do not wait for each other.
 */
const LOCK_NAME = 'foundation-db:schema-migrations';
export const MIGRATION_LOCK_KEY = BigInt.asIntN(64, BigInt(`0x${createHash('sha256').update(LOCK_NAME).digest('hex').slice(0, 16)}`));

/** How often a waiting process asks again; the lock is normally held for seconds. */
const POLL_MS = 200;

interface RawClient {
  query(sql: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
}

export interface HeldLock {
  /** Releases the lock and returns the connection to the pool; safe to call twice. */
  release(): Promise<void>;
}

/**
 * Takes the migration lock on a connection of its own, held for the whole run (a session lock,
 * so it survives the commits of each migration, and PostgreSQL drops it if the process dies).
 * When another process holds it, says so once (naming that process's backend pid) and polls
 * until it is free or `waitMs` has passed, then fails with an error saying who holds it.
 *
 * The connection is a raw one from TypeORM's pool, so the polling does not fill the CLI's
 * query log; or `connection`, when given: the migrating session's own (withGuardedSession), so
 * a run opens one connection, as stock TypeORM does, instead of two. Its `release` must return
 * the connection to the pool, or destroy it when given an error (the lock may still be held).
 */
export async function acquireMigrationLock(
  dataSource: DataSource,
  waitMs: number,
  say: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
  connection?: RawPooledClient,
): Promise<HeldLock> {
  const { client, release: releaseClient } = connection ?? (await obtainRawConnection(dataSource));
  // 0 means no limit (as for lock_timeout): wait for as long as the other run takes.
  const deadline = waitMs === 0 ? Number.POSITIVE_INFINITY : Date.now() + waitMs;
  let announced = false;
  try {
    for (;;) {
      const { rows } = await client.query('SELECT pg_try_advisory_lock($1::bigint) AS locked', [MIGRATION_LOCK_KEY.toString()]);
      if (rows[0]?.locked === true) break;
      const holder = await lockHolderPid(client);
      if (Date.now() >= deadline) {
        throw new MigrationSafetyError(
          `Could not get the migration lock within ${formatDuration(waitMs)}: another migration run ` +
            `(backend pid ${holder ?? 'unknown'}) still holds it. Wait for it to finish, or raise MIGRATION_LOCK_WAIT; ` +
            `if that run is stuck, look it up with SELECT * FROM pg_stat_activity WHERE pid = ${holder ?? '<pid>'}`,
          EXIT.lockWait,
        );
      }
      if (!announced) {
        const limit = waitMs === 0 ? 'without a limit' : `up to ${formatDuration(waitMs)}`;
        say(`Waiting for the migration lock held by backend pid ${holder ?? 'unknown'} (another migration run; waiting ${limit})...`);
        announced = true;
      }
      await sleep(Math.min(POLL_MS, Math.max(0, deadline - Date.now())));
    }
  } catch (error) {
    releaseClient(error);
    throw error;
  }
  if (announced) say('Got the migration lock.');

  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      try {
        await client.query('SELECT pg_advisory_unlock($1::bigint)', [MIGRATION_LOCK_KEY.toString()]);
        releaseClient();
      } catch (error) {
        // Destroy the connection rather than return it to the pool still holding the lock.
        releaseClient(error);
      }
    },
  };
}

/** The backend pid holding the migration lock, if any (advisory bigint keys live in classid/objid). */
async function lockHolderPid(client: RawClient): Promise<number | undefined> {
  const unsigned = BigInt.asUintN(64, MIGRATION_LOCK_KEY);
  const { rows } = await client.query(
    `SELECT pid FROM pg_locks
     WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
       AND classid = $1::bigint::oid AND objid = $2::bigint::oid AND objsubid = 1`,
    [(unsigned >> 32n).toString(), (unsigned & 0xffffffffn).toString()],
  );
  return rows[0] ? Number(rows[0].pid) : undefined;
}
