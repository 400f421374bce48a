import { createDataSource } from '../database/create-data-source';
import { BuildOptions } from '../database/data-source-options';
import { reportFailure } from '../database/failure-report';
import { FoundationDataSource } from '../database/foundation-data-source';
import { installInterruptHandlers, onInterrupt } from '../database/interruption';

const MIGRATION_COMMANDS_WITHOUT_ENTITIES = new Set(['migration:run', 'migration:revert', 'migration:show']);

/**
 * The project's DataSource for the TypeORM CLI (ormconfig.ts): connected, with failures of its
 * migration commands reported in the project's words and exit codes, and Ctrl-C handled.
 * Never resolves when it cannot connect: it reports in one line and ends the process (exit 2).
 */
export async function openCommandLineDataSource(
  env: NodeJS.ProcessEnv = process.env,
  create: (env: NodeJS.ProcessEnv, build: BuildOptions) => Promise<FoundationDataSource> = createDataSource,
): Promise<FoundationDataSource> {
  const command = process.argv.slice(2).find((arg) => !arg.startsWith('-')) ?? 'typeorm';
  // Running, reverting and listing migrations use no entity: a deploy need not load them.
  const entities = !MIGRATION_COMMANDS_WITHOUT_ENTITIES.has(command);
  let dataSource: FoundationDataSource | undefined;
  installInterruptHandlers(() =>
    dataSource ? `${command} on PostgreSQL at ${dataSource.settings.host}:${dataSource.settings.port} (database "${dataSource.settings.database}")` : command,
  );
  onInterrupt(async () => {
    await dataSource?.abandon();
  });
  try {
    dataSource = await create(env, { entities });
    dataSource.exitOnFailure = true;
    await dataSource.initialize();
    return dataSource;
  } catch (error) {
    const { message, exitCode } = reportFailure(error, dataSource?.settings, false);
    process.stderr.write(`${message}\n`);
    await dataSource?.destroy().catch(() => undefined);
    process.exit(exitCode);
  }
}
