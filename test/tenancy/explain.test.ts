import { Client as PgClient } from 'pg';
import { DataSource } from 'typeorm';
import { enterTenant, withTenant } from '../../src/database/tenant-context';
import { useAppLogin } from '../support/app-login';
import { useTestDatabase } from '../support/test-database';

const TENANTS = 8;
const CLIENTS_PER_TENANT = 1_500; // 12,000 clients
const USERS_PER_TENANT = 1_500; // 12,000 users

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Index Cond'?: string;
  Plans?: PlanNode[];
}

/** Every node of a JSON plan, flattened. */
function nodesOf(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(nodesOf)];
}

/**
 * Query plans as the application role, on enough rows that a sequential scan would be chosen
 * if an index were unusable: tenant-scoped lookups use the tenant-leading indexes (the medical
 * record number through its blind index), and the name search (through
 * search_clients_by_name_tokens) can use the GIN index on the name tokens. The clients'
 * encrypted columns hold ciphertext-shaped noise here, and the tokens are 18 pseudo-random
 * 16-bit values per client: a distinctive name, whose tokens few clients share. (A query made
 * of common trigrams matches much of a tenant, and the planner then rightly reads the tenant's
 * rows by their tenant_id prefix instead: docs/encryption.md, "Name search".)
 */
describe('query plans under row-level security', () => {
  const db = useTestDatabase();
  const login = useAppLogin(db);
  let app: DataSource;
  let tenant: string;
  let sample: { mrn_bidx: Buffer; email: string; tokens: number[] };

  beforeAll(async () => {
    await db.dataSource.query(
      `INSERT INTO tenants (name, slug) SELECT 'Explain ' || t, 'explain-' || t FROM generate_series(1, ${TENANTS}) t`,
    );
    await db.dataSource.query(
      `INSERT INTO clients (tenant_id, first_name_encrypted, last_name_encrypted, date_of_birth_encrypted, medical_record_number_encrypted,
                            date_of_birth_bidx, medical_record_number_bidx, name_search_tokens)
       SELECT t.id, e, e, e, e, substring(b FROM 1 FOR 2), b,
              ARRAY(SELECT DISTINCT (hashtext(t.slug || i || '/' || k) & 65535) FROM generate_series(1, 18) k ORDER BY 1)
       FROM tenants t CROSS JOIN generate_series(1, ${CLIENTS_PER_TENANT}) i
       CROSS JOIN LATERAL (SELECT decode('0100000001', 'hex') || convert_to('brng:' || md5(t.slug || i), 'UTF8') AS e,
                                  decode(md5('m' || t.slug || i) || md5('n' || t.slug || i), 'hex') AS b) v
       WHERE t.slug LIKE 'explain-%'`,
    );
    await db.dataSource.query(
      `INSERT INTO users (tenant_id, email, first_name, last_name)
       SELECT t.id, 'user' || i || '@' || t.slug || '.example.org', 'First', 'Last'
       FROM tenants t CROSS JOIN generate_series(1, ${USERS_PER_TENANT}) i WHERE t.slug LIKE 'explain-%'`,
    );
    // Fresh statistics, and GIN pending lists flushed into the index proper.
    await db.dataSource.query(`VACUUM ANALYZE tenants, clients, users`);
    [{ id: tenant }] = await db.dataSource.query(`SELECT id FROM tenants WHERE slug = 'explain-3'`);
    [sample] = await db.dataSource.query(
      `SELECT c.medical_record_number_bidx AS mrn_bidx, u.email, c.name_search_tokens AS tokens FROM clients c JOIN users u USING (tenant_id)
       WHERE c.tenant_id = $1 ORDER BY c.medical_record_number_bidx, u.email LIMIT 1`,
      [tenant],
    );
    app = await login.connect(1);
  });

  async function planAsApp(sql: string, parameters: unknown[]): Promise<PlanNode[]> {
    const [row] = await withTenant(app, tenant, (manager) => manager.query(`EXPLAIN (FORMAT JSON) ${sql}`, parameters));
    return nodesOf(row['QUERY PLAN'][0].Plan);
  }

  it('has the volume the issue asks for', async () => {
    const [{ n }] = await db.dataSource.query(`SELECT count(*)::int AS n FROM clients`);
    expect(n).toBeGreaterThanOrEqual(10_000);
  });

  it('a client by medical record number (its blind index) uses the tenant-leading unique index', async () => {
    const nodes = await planAsApp(`SELECT * FROM clients WHERE medical_record_number_bidx = $1 AND deleted_at IS NULL`, [sample.mrn_bidx]);
    expect(nodes.map((node) => node['Index Name'])).toContain('uq_clients_tenant_id_medical_record_number_bidx');
    expect(nodes.some((node) => node['Index Cond']?.includes('medical_record_number_bidx'))).toBe(true);
    expect(nodes.map((node) => node['Node Type'])).not.toContain('Seq Scan');
  });

  it('a user by e-mail uses an index to reach the tenant\'s users, not a sequential scan', async () => {
    // citext equality is not LEAKPROOF, so the planner may not use it as an index condition
    // under row-level security: the index narrows to the tenant (the policy's tenant_id
    // condition), and the e-mail is a filter within that tenant's range.
    const nodes = await planAsApp(`SELECT * FROM users WHERE email = $1 AND deleted_at IS NULL`, [sample.email]);
    const indexed = nodes.filter((node) => node['Index Name'] && node['Index Cond']?.includes('tenant_id'));
    expect(indexed.map((node) => node['Index Name'])).toEqual([expect.stringMatching(/^(pk_users|uq_users_tenant_id_email)$/)]);
    expect(nodes.map((node) => node['Node Type'])).not.toContain('Seq Scan');
    const found = await withTenant(app, tenant, (manager) =>
      manager.query(`SELECT count(*)::int AS n FROM users WHERE email = $1`, [sample.email.toUpperCase()]),
    );
    expect(found).toEqual([{ n: 1 }]);
  });

  it('why search_clients_by_name_tokens() exists: a direct token overlap by the application role cannot use the tokens as an index condition', async () => {
    // If this starts failing, PostgreSQL has made array overlap LEAKPROOF and the SECURITY
    // DEFINER function could be retired in favour of a plain query.
    const nodes = await planAsApp(`SELECT id FROM clients WHERE name_search_tokens && $1::integer[] AND deleted_at IS NULL`, [sample.tokens]);
    if (process.env.SHOW_PLANS) console.log(JSON.stringify(nodes.map(({ Plans: _p, ...node }) => node), null, 1));
    expect(nodes.some((node) => node['Index Cond']?.includes('&&'))).toBe(false);
  });

  it('the name search inside search_clients_by_name_tokens() uses the GIN index (plan logged by auto_explain)', async () => {
    // auto_explain, loaded by a superuser, reports the plan of the function's own query as a
    // NOTICE; the function is then called exactly as the application calls it.
    const client = new PgClient({ connectionString: db.settings.url });
    const notices: string[] = [];
    client.on('notice', (notice) => notices.push(notice.message ?? ''));
    await client.connect();
    try {
      await client.query(`LOAD 'auto_explain'`);
      await client.query(`SET auto_explain.log_min_duration = 0`);
      await client.query(`SET auto_explain.log_nested_statements = on`);
      await client.query(`SET auto_explain.log_level = notice`);
      await client.query('BEGIN');
      await client.query(`SET LOCAL ROLE foundation_app`);
      await enterTenant(client, tenant);
      const { rows } = await client.query(`SELECT * FROM search_clients_by_name_tokens($1::integer[], 20)`, [sample.tokens]);
      await client.query('COMMIT');
      expect(rows[0]).toEqual({ client_id: expect.any(String), matched_tokens: sample.tokens.length });
    } finally {
      await client.end();
    }
    const inner = notices.find((notice) => notice.includes('FROM clients c'));
    if (process.env.SHOW_PLANS) console.log(inner);
    expect(inner).toContain('ix_clients_tenant_id_name_search_tokens');
    // Both the tenant and the token overlap are index conditions, not filters afterwards.
    expect(inner).toMatch(/Index Cond: \(\(tenant_id = '[0-9a-f-]+'::uuid\) AND \(name_search_tokens && /);
    expect(inner).not.toContain('Seq Scan');
  });
});
