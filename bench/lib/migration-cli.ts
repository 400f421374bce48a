import path from 'node:path';
import { ConnectionSettings } from '../../src/database/connection-settings';
import { CommandLine } from './run-process';

/** The three ways to run the TypeORM migration CLI that the README describes. */
export type CliPath = 'compiled' | 'ts-node transpile-only' | 'ts-node type-checking';

export const CLI_PATHS: readonly CliPath[] = ['compiled', 'ts-node transpile-only', 'ts-node type-checking'];

/**
 * `typeorm migration:run` against `settings` through one path. The bins are called directly
 * (what `npm run migration:run` runs, without npm's own start-up) and always with DATABASE_URL,
 * as a deploy does, so no embedded server is started inside the timing.
 *
 * Type-checking ts-node needs TS_NODE_TYPE_CHECK=true: tsconfig.json asks for transpileOnly,
 * and TS_NODE_TRANSPILE_ONLY=false does not undo that.
 */
export function migrationCli(root: string, cliPath: CliPath, settings: ConnectionSettings, command = 'migration:run'): CommandLine {
  const bin = (name: string) => path.join(root, 'node_modules', '.bin', name);
  const { TS_NODE_TYPE_CHECK: _a, TS_NODE_TRANSPILE_ONLY: _b, FOUNDATION_EMBEDDED_POSTGRES: _c, ...inherited } = process.env;
  const env: NodeJS.ProcessEnv = { ...inherited, DATABASE_URL: settings.url };
  switch (cliPath) {
    case 'compiled':
      return { command: bin('typeorm'), args: [command, '-d', path.join('dist', 'ormconfig.js')], env, cwd: root };
    case 'ts-node transpile-only':
      return { command: bin('typeorm-ts-node-commonjs'), args: [command, '-d', 'ormconfig.ts'], env, cwd: root };
    case 'ts-node type-checking':
      return { command: bin('typeorm-ts-node-commonjs'), args: [command, '-d', 'ormconfig.ts'], env: { ...env, TS_NODE_TYPE_CHECK: 'true' }, cwd: root };
  }
}
