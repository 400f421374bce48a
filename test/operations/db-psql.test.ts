import { runProjectCli } from '../support/cli';
import { useTestDatabase } from '../support/test-database';

/** `npm run db:psql`: psql on the configured database, with its arguments passed through. */
describe('db:psql', () => {
  const db = useTestDatabase();

  it('runs psql on the database, passing its arguments, and exits 0 when psql does', async () => {
    const result = await runProjectCli('db-psql', ['-Atc', 'SELECT current_database()'], { DATABASE_URL: db.settings.url });
    expect(result).toMatchObject({ code: 0, stdout: `${db.name}\n` });
  });

  it('exits 1 when psql reports a failure', async () => {
    const result = await runProjectCli('db-psql', ['-v', 'ON_ERROR_STOP=1', '-Atc', 'SELECT no_such_column FROM tenants'], { DATABASE_URL: db.settings.url });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('column "no_such_column" does not exist');
  });
});
