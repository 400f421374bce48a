import { Client } from 'pg';
import { progressBar } from '../../lib/progress';
import { BenchScale, Figure } from '../../lib/types';
import { msSince, round } from '../../lib/stats';

/** Syllables that make 8,000 distinct surnames, so a name search matches a handful of rows per tenant, not thousands. */
const SYLLABLES = ['al', 'bar', 'cor', 'dan', 'el', 'fen', 'gar', 'hol', 'ist', 'jor', 'kel', 'lan', 'mor', 'nor', 'ost', 'pel', 'quin', 'ros', 'sel', 'tor'];
const FIRST_NAMES = ['Ada', 'Ben', 'Cleo', 'Dev', 'Edith', 'Farid', 'Greta', 'Hugo', 'Ines', 'Jonah', 'Kira', 'Luis', 'Mira', 'Nils', 'Olga', 'Pavel', 'Rosa', 'Sami', 'Tove', 'Uma'];

const sqlArray = (values: string[]) => `ARRAY[${values.map((v) => `'${v}'`).join(', ')}]`;

/**
 * Name search tokens as SQL can make them: the 16-bit hashtext() of each pg_trgm trigram. The
 * application's tokens are keyed hashes (src/phi), which SQL cannot compute without the key; for
 * the database's side of the search (the GIN index, the ranking) these have the same shape and
 * the same sharing between similar names. The clients' ciphertexts here are noise of the right
 * shape: the scale section times database reads, the phi section times decryption.
 */
export function nameTokensSql(expression: string): string {
  return `ARRAY(SELECT DISTINCT (hashtext(g) & 65535) FROM unnest(show_trgm(${expression})) g ORDER BY 1)`;
}

/**
 * Tenants, facilities, users and clients in set-based SQL (generate_series), spread evenly:
 * the full scale gives each tenant 10 facilities, 100 users and 1,000 clients (100 per
 * facility), 5% of them soft-deleted. Tenants are `bench-<n>`; every other row hangs off them.
 * Big tables are filled in batches of tenants so progress shows; each batch is one statement.
 */
export async function generateCoreData(client: Client, scale: BenchScale): Promise<Figure[]> {
  const perTenant = (n: number) => Math.max(1, Math.round(n / scale.tenants));
  const figures: Figure[] = [];
  const timed = async (name: string, rows: number, work: () => Promise<unknown>) => {
    const started = process.hrtime.bigint();
    await work();
    const seconds = msSince(started) / 1000;
    figures.push({ name: `generate ${rows.toLocaleString('en-US')} ${name}`, value: round(seconds, 2), unit: 's' });
  };

  await timed('tenants', scale.tenants, () =>
    client.query(`INSERT INTO tenants (name, slug) SELECT 'Bench tenant ' || g, 'bench-' || g FROM generate_series(1, $1) g`, [scale.tenants]),
  );
  await timed('facilities', scale.tenants * perTenant(scale.facilities), () =>
    client.query(
      `INSERT INTO facilities (tenant_id, name, kind, capacity)
       SELECT t.id, 'Facility ' || f,
              (enum_range(NULL::facility_kind_enum))[1 + f % array_length(enum_range(NULL::facility_kind_enum), 1)],
              100
         FROM tenants t CROSS JOIN generate_series(1, $1) f
        WHERE t.slug LIKE 'bench-%'`,
      [perTenant(scale.facilities)],
    ),
  );
  await timed('users', scale.tenants * perTenant(scale.users), () =>
    client.query(
      `INSERT INTO users (tenant_id, email, first_name, last_name, role, status)
       SELECT t.id, 'user' || u || '@' || t.slug || '.example.org', 'First' || u, 'Last' || u, 'staff', 'active'
         FROM tenants t CROSS JOIN generate_series(1, $1) u
        WHERE t.slug LIKE 'bench-%'`,
      [perTenant(scale.users)],
    ),
  );

  const clientsPerFacility = Math.max(1, Math.round(scale.clients / (scale.tenants * perTenant(scale.facilities))));
  const batches = Math.min(scale.tenants, 20);
  await timed('clients', scale.tenants * perTenant(scale.facilities) * clientsPerFacility, async () => {
    const bar = progressBar('scale: clients', batches);
    for (let batch = 0; batch < batches; batch++) {
      await client.query(
        `INSERT INTO clients (tenant_id, facility_id, first_name_encrypted, last_name_encrypted, date_of_birth_encrypted,
                              medical_record_number_encrypted, date_of_birth_bidx, medical_record_number_bidx, name_search_tokens, deleted_at)
         SELECT f.tenant_id, f.id, e, e, e, e, substring(b FROM 1 FOR 2), b,
                ${nameTokensSql('n.full_name')},
                CASE WHEN c % 20 = 0 THEN now() END
           FROM (SELECT fa.tenant_id, fa.id, row_number() OVER (ORDER BY fa.tenant_id, fa.id) AS rn
                   FROM facilities fa JOIN tenants t ON t.id = fa.tenant_id
                  WHERE t.slug LIKE 'bench-%' AND substr(t.slug, 7)::int % $2 = $3) f
          CROSS JOIN generate_series(1, $1) c
          CROSS JOIN LATERAL (SELECT hashint8(f.rn * 100003 + c)::bigint & 2147483647 AS h) hashed
          CROSS JOIN LATERAL (SELECT (${sqlArray(FIRST_NAMES)})[1 + (h % 20)] || ' ' ||
                                     initcap((${sqlArray(SYLLABLES)})[1 + (h / 20) % 20] || (${sqlArray(SYLLABLES)})[1 + (h / 400) % 20] || (${sqlArray(SYLLABLES)})[1 + (h / 8000) % 20]) AS full_name) n
          CROSS JOIN LATERAL (SELECT decode('0100000001', 'hex') || convert_to('brng:' || md5(f.rn || '-' || c) || md5(c || '-' || f.rn), 'UTF8') AS e,
                                     decode(md5('m' || f.rn || '-' || c) || md5('n' || f.rn || '-' || c), 'hex') AS b) noise`,
        [clientsPerFacility, batches, batch],
      );
      bar.tick();
    }
    bar.stop();
  });
  return figures;
}
