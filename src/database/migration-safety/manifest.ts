import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { MigrationInterface } from 'typeorm';
import { dataSourceFor } from '../data-sources';
import { parseDatabaseUrl } from '../connection-settings';
import { projectRoot } from '../project-root';
import { migrationChecksum, migrationNameOf } from './checksums';

/**
 * The committed checksum of every landed migration (schema/migration-checksums.json): the same
 * sha256 over `up` and `down` that deploys record, so an edit of a landed migration fails
 * `npm test` (test/migrations/checksum-manifest.test.ts) and shows in review as a changed
 * line of this file, instead of failing at deploy. `npm run migration:manifest` adds the
 * entries of new migrations and refuses to change existing ones.
 */
export const MANIFEST_PATH = path.join(projectRoot(), 'schema', 'migration-checksums.json');

export interface Manifest {
  about: string;
  migrations: Record<string, string>;
}

export interface ManifestComparison {
  /** In the manifest with another checksum than the code's: a landed migration was edited. */
  edited: { name: string; manifest: string; code: string }[];
  /** In the code, not yet in the manifest: new migrations (run npm run migration:manifest). */
  missing: string[];
  /** In the manifest, gone from the code: a landed migration was removed or renamed. */
  removed: string[];
}

/** Checksums as a deploy computes them: with the project's DataSource options (naming strategy). */
export async function currentChecksums(migrations: MigrationInterface[]): Promise<Record<string, string>> {
  const offline = dataSourceFor(parseDatabaseUrl('postgres://offline@localhost:5432/offline', {}));
  const result: Record<string, string> = {};
  for (const migration of migrations) result[migrationNameOf(migration)] = await migrationChecksum(migration, offline);
  return result;
}

export function readManifest(file = MANIFEST_PATH): Manifest | undefined {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Manifest) : undefined;
}

export function compareManifest(manifest: Manifest | undefined, current: Record<string, string>): ManifestComparison {
  const recorded = manifest?.migrations ?? {};
  return {
    edited: Object.entries(recorded)
      .filter(([name, checksum]) => current[name] !== undefined && current[name] !== checksum)
      .map(([name, checksum]) => ({ name, manifest: checksum, code: current[name]! })),
    missing: Object.keys(current).filter((name) => recorded[name] === undefined),
    removed: Object.keys(recorded).filter((name) => current[name] === undefined),
  };
}

export function writeManifest(migrations: Record<string, string>, file = MANIFEST_PATH): void {
  const sorted = Object.fromEntries(Object.entries(migrations).sort(([a], [b]) => a.slice(-13).localeCompare(b.slice(-13)) || a.localeCompare(b)));
  const manifest: Manifest = {
    about:
      'sha256 of the SQL each landed migration emits (up and down), as deploys record it. Written by `npm run migration:manifest`, ' +
      'checked by npm test. A changed line here means a landed migration was edited: put the change in a new migration instead.',
    migrations: sorted,
  };
  writeFileSync(file, `${JSON.stringify(manifest, null, 2)}\n`);
}
