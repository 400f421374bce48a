import { execFile } from 'node:child_process';
import path from 'node:path';
import { compiledFile } from './compiled-project';

export const PROJECT_ROOT = path.resolve(__dirname, '../..');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * How a test starts the project's commands:
 * - 'compiled' (the default): `node` on the copy global setup compiled (compiled-project.ts),
 *   the deploy path's JavaScript; about five times faster to start than ts-node. The commands
 *   behave the same on it, except that without DATABASE_URL the compiled path refuses the
 *   embedded development server (src/database/deploy-target.ts).
 * - 'ts-node': as the README's `npm run migration:*` commands run them, for the tests of that
 *   development path (the embedded default, ormconfig.ts under the TypeORM CLI).
 */
export type Runtime = 'compiled' | 'ts-node';

/**
 * Runs the TypeORM CLI on the project's DataSource file (ormconfig.ts under ts-node, or its
 * compiled ormconfig.js) with the given environment on top of this process's, minus
 * DATABASE_URL unless it is given.
 */
export function runTypeormCli(args: string[], env: NodeJS.ProcessEnv = {}, runtime: Runtime = 'compiled'): Promise<CliResult> {
  return runtime === 'ts-node'
    ? runProgram('node_modules/.bin/typeorm-ts-node-commonjs', [...args, '-d', 'ormconfig.ts'], env)
    : runNode([path.join(PROJECT_ROOT, 'node_modules/typeorm/cli.js'), ...args, '-d', compiledFile('ormconfig.ts')], env);
}

/**
 * Runs a command-line program of this project with TS_NODE_TRANSPILE_ONLY, on the given
 * DATABASE_URL (never the one of this process), from the project root.
 */
export function runProgram(program: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return run(path.join(PROJECT_ROOT, program), args, env);
}

/** `node` (this process's) with the given arguments, from the project root, as runProgram. */
export function runNode(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return run(process.execPath, args, env);
}

function run(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  const { DATABASE_URL: _ignored, ...inherited } = process.env;
  return new Promise((resolve) => {
    execFile(file, args, { cwd: PROJECT_ROOT, env: { ...inherited, TS_NODE_TRANSPILE_ONLY: '1', ...env } }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * The TypeORM CLI on any DataSource file (`-d`): a `.js` file (MigrationSet's) under plain
 * `node`, a `.ts` file under ts-node.
 */
export function runTypeorm(args: string[], dataSourceFile: string, env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return dataSourceFile.endsWith('.ts')
    ? runProgram('node_modules/.bin/typeorm-ts-node-commonjs', [...args, '-d', dataSourceFile], env)
    : runNode([path.join(PROJECT_ROOT, 'node_modules/typeorm/cli.js'), ...args, '-d', dataSourceFile], env);
}

/** This project's deploy-safety CLI (src/cli/migrations.ts), as `npm run migration:*` runs it. */
export function runSafetyCli(args: string[], env: NodeJS.ProcessEnv = {}, dataSourceFile?: string, runtime: Runtime = 'compiled'): Promise<CliResult> {
  return runProjectCli('migrations', [...(dataSourceFile ? ['-d', dataSourceFile] : []), ...args], env, runtime);
}

/**
 * Runs one of the project's own commands (src/cli/<name>.ts) as its npm script does, with the
 * given environment on top of this process's, minus DATABASE_URL unless it is given.
 */
export function runProjectCli(name: string, args: string[], env: NodeJS.ProcessEnv = {}, runtime: Runtime = 'compiled'): Promise<CliResult> {
  const source = path.join('src/cli', `${name}.ts`);
  return runtime === 'ts-node'
    ? runProgram('node_modules/.bin/ts-node', [source, ...args], env)
    : runNode([compiledFile(source), ...args], env);
}
