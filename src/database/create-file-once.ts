import { randomBytes } from 'node:crypto';
import { existsSync, linkSync, rmSync, writeFileSync } from 'node:fs';

/**
 * Creates `file` (mode 0600) holding `contents`, unless it exists. Several processes may get
 * here at once (commands started together, each generating a development secret): each writes
 * a complete temporary file and links it into place, which only the first can do (link fails
 * when the name exists), so every reader sees one whole file and nobody overwrites it.
 */
export function createFileOnce(file: string, contents: string): void {
  if (existsSync(file)) return;
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(temporary, contents, { mode: 0o600, flag: 'wx' });
  try {
    linkSync(temporary, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    rmSync(temporary, { force: true });
  }
}
