import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { createApplicationDataSource } from '../../src/database/application-data-source';
import { DatabaseConfigError } from '../../src/database/database-config-error';
import { withTenant } from '../../src/database/tenant-context';
import { Tenant } from '../../src/entities';
import { useAppLogin } from '../support/app-login';
import { createTenant } from '../support/tenant-data';
import { useTestDatabase } from '../support/test-database';

/** The DataSource an application service builds: its login, the application role, never an embedded server. */
describe('createApplicationDataSource', () => {
  const db = useTestDatabase();
  const granted = useAppLogin(db, ['foundation_app'], false); // NOINHERIT, as the grant recipe makes it
  const notGranted = useAppLogin(db, [], false);
  const opened: DataSource[] = [];
  const open = async (options: Parameters<typeof createApplicationDataSource>[0]) => {
    const dataSource = createApplicationDataSource(options);
    opened.push(dataSource);
    return dataSource.initialize();
  };
  afterAll(async () => {
    for (const dataSource of opened) if (dataSource.isInitialized) await dataSource.destroy();
  });

  it('refuses to build without a URL, instead of starting an embedded server', () => {
    for (const url of [undefined, '', '   ']) {
      expect(() => createApplicationDataSource({ url } as never)).toThrow(DatabaseConfigError);
    }
    expect(() => createApplicationDataSource({ url: '' })).toThrow('it never starts the embedded development server');
    expect(() => createApplicationDataSource({ url: 'mysql://app@db/app' })).toThrow('must start with postgres://');
  });

  it('rejects pool options that cannot work, and role names that are not plain', () => {
    const url = 'postgres://app@localhost/app';
    expect(() => createApplicationDataSource({ url, poolSize: 0 })).toThrow('poolSize must be a whole number of 1 or more, not 0');
    expect(() => createApplicationDataSource({ url, statementTimeoutMs: -1 })).toThrow('statementTimeoutMs');
    expect(() => createApplicationDataSource({ url, appRole: 'foundation_app; DROP TABLE clients' })).toThrow('is not a plain role name');
  });

  it('runs every pooled session as foundation_app, and withTenant works on it with no DATABASE_APP_ROLE', async () => {
    const tenant = await createTenant((sql, parameters) => db.dataSource.query(sql, parameters));
    await createTenant((sql, parameters) => db.dataSource.query(sql, parameters));
    const app = await open({ url: granted.settings.url, poolSize: 3, statementTimeoutMs: 1234, applicationName: 'care app' });
    const sessions = await Promise.all(
      [1, 2, 3].map(() =>
        app.query(`SELECT current_user AS role, session_user AS login, current_setting('statement_timeout') AS timeout,
                          current_setting('application_name') AS name, pg_backend_pid() AS pid, pg_sleep(0.05)`),
      ),
    );
    expect(new Set(sessions.map(([session]) => session.pid)).size).toBe(3);
    for (const [session] of sessions) {
      expect(session).toMatchObject({ role: 'foundation_app', login: granted.role, timeout: '1234ms', name: 'care app' });
    }
    // Outside a tenant, the role sees no tenant at all; inside, exactly its own.
    expect(await app.getRepository(Tenant).count()).toBe(0);
    const visible = await withTenant(app, tenant, (manager) => manager.find(Tenant), { appRole: undefined });
    expect(visible.map((row) => row.id)).toEqual([tenant]);
  });

  it('is refused at connect for a login that was not granted the application role', async () => {
    await expect(open({ url: notGranted.settings.url })).rejects.toThrow(/permission denied to set role "foundation_app"/);
  });

  it('keeps the login role itself with appRole: null', async () => {
    const app = await open({ url: notGranted.settings.url, appRole: null });
    const [session] = await app.query('SELECT current_user AS role');
    expect(session.role).toBe(notGranted.role);
    await expect(withTenant(app, randomUUID(), async () => 'ran', { appRole: null })).rejects.toThrow();
  });
});
