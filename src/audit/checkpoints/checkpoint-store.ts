import { constants } from 'node:fs';
import { mkdir, open, readFile, readdir } from 'node:fs/promises';
import path from 'node:path';

/**
 * Where checkpoints are kept: outside the database's authority, and append-only. `put` never
 * replaces what is there; a second checkpoint with the same name is an error
 * (CheckpointExistsError), which is also how two concurrent runs are kept from both writing
 * checkpoint n.
 */
export interface CheckpointStore {
  /** Where, for messages. */
  readonly location: string;
  put(name: string, content: Buffer): Promise<void>;
  get(name: string): Promise<Buffer>;
  /** Names of the checkpoints stored, in any order. */
  list(): Promise<string[]>;
}

export class CheckpointExistsError extends Error {
  constructor(readonly location: string, readonly checkpointName: string) {
    super(`checkpoint ${checkpointName} already exists in ${location}: another run wrote it first (checkpoints are never replaced)`);
    this.name = 'CheckpointExistsError';
  }
}

const NAME = /^checkpoint-(\d{12})\.json$/;

export const checkpointName = (number: number) => `checkpoint-${String(number).padStart(12, '0')}.json`;

/** The number in a checkpoint's name, or null for any other file. */
export function checkpointNumber(name: string): number | null {
  const match = NAME.exec(name);
  return match ? Number(match[1]) : null;
}

/**
 * A local directory (the default): each checkpoint a read-only file created with O_CREAT|O_EXCL
 * (never overwriting), flushed with fsync, the directory entry too. Put it on storage the
 * database server and its owner cannot write: another machine, a WORM volume, or a folder synced
 * to object storage with a write-once lock (see ObjectLockCheckpointStore).
 */
export class DirectoryCheckpointStore implements CheckpointStore {
  constructor(readonly location: string) {}

  async put(name: string, content: Buffer): Promise<void> {
    await mkdir(this.location, { recursive: true, mode: 0o700 });
    const file = path.join(this.location, name);
    let handle;
    try {
      handle = await open(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o444);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new CheckpointExistsError(this.location, name);
      throw error;
    }
    try {
      await handle.writeFile(content);
      await handle.sync();
    } finally {
      await handle.close();
    }
    const directory = await open(this.location, constants.O_RDONLY);
    try {
      await directory.sync();
    } finally {
      await directory.close();
    }
  }

  get(name: string): Promise<Buffer> {
    return readFile(path.join(this.location, name));
  }

  async list(): Promise<string[]> {
    try {
      return (await readdir(this.location)).filter((name) => checkpointNumber(name) !== null);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  }
}
