import { execFile } from 'node:child_process';
import path from 'node:path';

export const PROJECT_ROOT = path.resolve(__dirname, '../..');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the TypeORM CLI (through ts-node, as `npm run migration:*` does) with the given
 * environment on top of this process's, minus DATABASE_URL unless it is given.
 */
export function runTypeormCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const { DATABASE_URL: _ignored, ...inherited } = process.env;
  return new Promise((resolve) => {
    execFile(
      path.join(PROJECT_ROOT, 'node_modules/.bin/typeorm-ts-node-commonjs'),
      [...args, ...(args[0] === 'migration:create' ? [] : ['-d', 'ormconfig.ts'])],
      { cwd: PROJECT_ROOT, env: { ...inherited, ...env } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
