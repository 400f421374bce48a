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

/**
 * Runs a command-line program of this project with TS_NODE_TRANSPILE_ONLY, on the given
 * DATABASE_URL (never the one of this process), from the project root.
 */
export function runProgram(program: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const { DATABASE_URL: _ignored, ...inherited } = process.env;
  return new Promise((resolve) => {
    execFile(
      path.join(PROJECT_ROOT, program),
      args,
      { cwd: PROJECT_ROOT, env: { ...inherited, TS_NODE_TRANSPILE_ONLY: '1', ...env } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** The TypeORM CLI through ts-node, on any DataSource file (`-d`). */
export function runTypeorm(args: string[], dataSourceFile: string, env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return runProgram('node_modules/.bin/typeorm-ts-node-commonjs', [...args, '-d', dataSourceFile], env);
}

/** This project's deploy-safety CLI (src/cli/migrations.ts) through ts-node, as `npm run migration:*` does. */
export function runSafetyCli(args: string[], env: NodeJS.ProcessEnv = {}, dataSourceFile?: string): Promise<CliResult> {
  return runProgram('node_modules/.bin/ts-node', ['src/cli/migrations.ts', ...(dataSourceFile ? ['-d', dataSourceFile] : []), ...args], env);
}

/**
 * Runs one of the project's own commands (src/cli/<name>.ts) through ts-node, as its npm
 * script does, with the given environment on top of this process's, minus DATABASE_URL
 * unless it is given.
 */
export function runProjectCli(name: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return runProgram('node_modules/.bin/ts-node', [path.join('src/cli', `${name}.ts`), ...args], env);
}
