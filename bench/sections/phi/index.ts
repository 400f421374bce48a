import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DataSource, DataSourceOptions } from 'typeorm';
import { buildDataSourceOptions } from '../../../src/database/data-source-options';
import { migrateDatabase } from '../../../src/database/migrate-database';
import { installTenantContextKey, resolveTenantContextKey, withTenant } from '../../../src/database/tenant-context';
import { BLIND_INDEXES, LocalKeyEncryptionKeyProvider, PhiKeyring, rotateTenantKey, searchClients } from '../../../src/phi';
import { APP_ROLE } from '../../lib/capabilities';
import { createDatabase, dropDatabase, withClient } from '../../lib/databases';
import { progressBar } from '../../lib/progress';
import { msSince, percentile, round } from '../../lib/stats';
import { BenchContext, Figure, SectionResult, target, TargetOutcome } from '../../lib/types';
import { clinicalText, dropPlainTwin, generatePhiData, PLAIN_TABLE } from './generate';

const TITLE = 'PHI: field encryption';
const DATABASE = 'bench_phi';
const PAGE = 50;
const PAGE_P95_TARGET_MS = 10;
const WARM_UP_RUNS = 50;
const FIELD_OPERATIONS = 2_000;
const ENCRYPTED = ['diagnoses', 'care_needs', 'preferences', 'funding_details'];

interface Latency {
  p50: number;
  p95: number;
  p99: number;
  runs: number;
}
const summary = (ms: number[]): Latency => ({ p50: round(percentile(ms, 50), 3), p95: round(percentile(ms, 95), 3), p99: round(percentile(ms, 99), 3), runs: ms.length });

/**
 * Field-level encryption at scale (docs/encryption.md):
 * - field encrypt and decrypt throughput, blind indexes and name tokens, in process;
 * - a page of 50 placement records with their four encrypted fields decrypted, as the
 *   application role under row-level security (withTenant, the keyring's per-transaction key
 *   list included), against the same page read from a plaintext twin of the table under the
 *   same security: the cost of encryption as a ratio; at 1,000,000 placement records (quick: a
 *   hundredth);
 * - name search end to end (tokens, the database function, decryption and ranking);
 * - key rotation of one tenant, in rows and values per second.
 */
export async function measurePhi(ctx: BenchContext): Promise<SectionResult> {
  const figures: Figure[] = [];
  const targets: TargetOutcome[] = [];
  const notes: string[] = [];
  const rows: string[][] = [];
  const settings = await createDatabase(ctx.admin, DATABASE);
  const keyFolder = mkdtempSync(path.join(os.tmpdir(), 'foundation-bench-keys-'));
  const keyring = new PhiKeyring({ kek: new LocalKeyEncryptionKeyProvider(keyFolder) });
  let owner: DataSource | undefined;
  let app: DataSource | undefined;
  try {
    ctx.log(`phi: migrating ${DATABASE}`);
    await migrateDatabase(settings);
    // withTenant's proofs are signed with the application's key, which the database must hold.
    await withClient(settings, (client) => installTenantContextKey(client, resolveTenantContextKey()));
    owner = new DataSource({ ...buildDataSourceOptions(settings), poolSize: 2 } as DataSourceOptions);
    app = new DataSource({ ...buildDataSourceOptions(settings), poolSize: 1, applicationName: 'foundation-db bench (app)' } as DataSourceOptions);
    await owner.initialize();
    await app.initialize();

    const realTenantCount = ctx.quick ? ctx.scale.tenants : 20;
    ctx.log(`phi: generating ${ctx.scale.clients.toLocaleString('en-US')} clients and placement records (${realTenantCount} tenants with real ciphertexts)`);
    const data = await generatePhiData(owner, keyring, ctx.scale, realTenantCount);
    figures.push(...data.figures);
    const [{ n: placements }] = await owner.query(`SELECT count(*)::int AS n FROM placement_records`);
    figures.push({ name: 'placement records in the database', value: placements, unit: 'rows' });

    const inApp = <T>(tenant: string, work: Parameters<typeof withTenant<T>>[2]) => withTenant(app!, tenant, work, { appRole: APP_ROLE });
    const tenant = data.realTenants[0]!;

    // Field operations, in process, with one tenant's cipher.
    const cipher = await inApp(tenant, (manager) => keyring.forTransaction(manager, { createIfMissing: false }));
    const rowId = '6f1c8a52-7a1e-4d1b-9a51-3b9f0c2d4e11';
    const name = { table: 'clients', column: 'first_name' };
    const long = { table: 'placement_records', column: 'diagnoses' };
    const text = clinicalText(42).diagnoses;
    const perOp = async (label: string, work: () => Promise<unknown>) => {
      for (let i = 0; i < 100; i++) await work();
      const started = process.hrtime.bigint();
      for (let i = 0; i < FIELD_OPERATIONS; i++) await work();
      const us = (msSince(started) * 1000) / FIELD_OPERATIONS;
      figures.push({ name: `${label}: per operation`, value: round(us, 1), unit: 'µs', inTable: true });
      figures.push({ name: `${label}: throughput`, value: Math.round(1e6 / us), unit: 'ops/s', inTable: true });
      rows.push([label, round(us, 1).toFixed(1), Math.round(1e6 / us).toLocaleString('en-US')]);
    };
    const nameCiphertext = await cipher.encrypt(name, rowId, 'Margaret');
    const longCiphertext = await cipher.encrypt(long, rowId, text);
    await perOp('encrypt a name (8 characters)', () => cipher.encrypt(name, rowId, 'Margaret'));
    await perOp('decrypt a name', () => cipher.decrypt(name, rowId, nameCiphertext));
    await perOp(`encrypt free text (${text.length} characters)`, () => cipher.encrypt(long, rowId, text));
    await perOp('decrypt free text', () => cipher.decrypt(long, rowId, longCiphertext));
    await perOp('blind index (medical record number, 256 bits)', () => cipher.blindIndex(BLIND_INDEXES.medicalRecordNumber, 'PHI-12345'));
    await perOp('name search tokens of a full name', () => cipher.nameTokens('Margaret', 'Hamilton'));
    figures.push({ name: 'ciphertext size: 8-character name / envelope overhead', value: nameCiphertext.length, unit: 'bytes' });
    figures.push({ name: `ciphertext size: ${text.length}-character text`, value: longCiphertext.length, unit: 'bytes' });

    // Pages of placement records: encrypted (decrypted in the application) against plaintext.
    const facilities: { tenant_id: string; id: string }[] = await owner.query(
      `SELECT tenant_id, id FROM facilities WHERE tenant_id = ANY ($1) ORDER BY random() LIMIT 200`,
      [data.realTenants],
    );
    const encryptedPage = (facility: { tenant_id: string; id: string }, decrypt: boolean) =>
      inApp(facility.tenant_id, async (manager) => {
        const tenantCipher = await keyring.forTransaction(manager, { createIfMissing: false });
        const page: Record<string, unknown>[] = await manager.query(
          `SELECT id, client_id, status, care_level, funding_source, placed_on, ${ENCRYPTED.map((c) => `${c}_encrypted`).join(', ')}
             FROM placement_records WHERE facility_id = $1 AND deleted_at IS NULL ORDER BY id LIMIT ${PAGE}`,
          [facility.id],
        );
        if (decrypt) {
          for (const row of page) {
            for (const column of ENCRYPTED) {
              row[column] = await tenantCipher.decryptOptional({ table: 'placement_records', column }, row.id as string, row[`${column}_encrypted`] as Buffer);
            }
          }
        }
        return page.length;
      });
    const plainPage = (facility: { tenant_id: string; id: string }) =>
      inApp(facility.tenant_id, async (manager) => {
        const page = await manager.query(
          `SELECT id, client_id, status, care_level, funding_source, placed_on, ${ENCRYPTED.join(', ')}
             FROM ${PLAIN_TABLE} WHERE facility_id = $1 AND deleted_at IS NULL ORDER BY id LIMIT ${PAGE}`,
          [facility.id],
        );
        return page.length;
      });
    const samples = { encrypted: [] as number[], ciphertextOnly: [] as number[], plaintext: [] as number[] };
    let pageRows = 0;
    const runs = ctx.scale.queryRuns;
    const bar = progressBar('phi: pages of placement records', runs + WARM_UP_RUNS);
    for (let i = 0; i < runs + WARM_UP_RUNS; i++) {
      const facility = facilities[i % facilities.length]!;
      const sides: [keyof typeof samples, () => Promise<number>][] = [
        ['encrypted', () => encryptedPage(facility, true)],
        ['ciphertextOnly', () => encryptedPage(facility, false)],
        ['plaintext', () => plainPage(facility)],
      ];
      // Rotate which side goes first, so no side always finds the buffers another just read.
      for (let k = 0; k < sides.length; k++) {
        const [label, work] = sides[(i + k) % sides.length]!;
        const started = process.hrtime.bigint();
        pageRows = await work();
        if (i >= WARM_UP_RUNS) samples[label].push(msSince(started));
      }
      bar.tick();
    }
    bar.stop();
    const encrypted = summary(samples.encrypted);
    const ciphertextOnly = summary(samples.ciphertextOnly);
    const plaintext = summary(samples.plaintext);
    const pageLabel = `page of ${PAGE} placement records (${pageRows} rows, ${ENCRYPTED.length} encrypted fields each), withTenant as ${APP_ROLE}`;
    for (const [label, latency] of [
      [`${pageLabel}, decrypted`, encrypted],
      [`${pageLabel}, ciphertexts read but not decrypted`, ciphertextOnly],
      [`same page from the plaintext twin`, plaintext],
    ] as const) {
      for (const p of ['p50', 'p95', 'p99'] as const) figures.push({ name: `${label}: ${p} over ${latency.runs} runs`, value: latency[p], unit: 'ms', inTable: true });
      rows.push([label, `p50 ${latency.p50.toFixed(2)} ms`, `p95 ${latency.p95.toFixed(2)} ms`]);
    }
    const ratio50 = round(encrypted.p50 / plaintext.p50, 2);
    const ratio95 = round(encrypted.p95 / plaintext.p95, 2);
    figures.push({ name: 'encryption cost: decrypted page / plaintext page, p50', value: ratio50, unit: 'x' });
    figures.push({ name: 'encryption cost: decrypted page / plaintext page, p95', value: ratio95, unit: 'x' });
    targets.push(target(`${pageLabel}, decrypted: p95 at ${placements.toLocaleString('en-US')} placement records`, `<= ${PAGE_P95_TARGET_MS} ms`, encrypted.p95, 'ms', (v) => v <= PAGE_P95_TARGET_MS));
    if (ctx.quick) notes.push(`quick run: ${placements.toLocaleString('en-US')} placement records, not the 1,000,000 the target names; the full run measures it`);

    // Name search, end to end, in a tenant with real ciphertexts.
    const searchMs: number[] = [];
    for (let i = 0; i < 200 + 20; i++) {
      const started = process.hrtime.bigint();
      await inApp(tenant, async (manager) => searchClients(manager, await keyring.forTransaction(manager, { createIfMissing: false }), `Gonzalez${(i * 37) % 1000}`));
      if (i >= 20) searchMs.push(msSince(started));
    }
    const search = summary(searchMs);
    figures.push({ name: `name search end to end (tokens, search_clients_by_name_tokens, decrypt and rank up to 100 candidates): p50 over ${search.runs} runs`, value: search.p50, unit: 'ms' });
    figures.push({ name: 'name search end to end: p95', value: search.p95, unit: 'ms' });

    // Key rotation of one tenant.
    const [{ n: tenantRows }] = await owner.query(
      `SELECT (SELECT count(*) FROM clients WHERE tenant_id = $1) + (SELECT count(*) FROM placement_records WHERE tenant_id = $1) AS n`,
      [tenant],
    );
    const started = process.hrtime.bigint();
    const report = await rotateTenantKey(owner, keyring, tenant, { batchSize: 500 });
    const seconds = msSince(started) / 1000;
    figures.push({ name: `key rotation of one tenant: ${Number(tenantRows)} rows, ${report.reencrypted} values re-encrypted`, value: round(seconds, 2), unit: 's' });
    figures.push({ name: 'key rotation: rows per second', value: Math.round(Number(tenantRows) / seconds), unit: 'rows/s' });
    figures.push({ name: 'key rotation: values per second', value: Math.round(report.reencrypted / seconds), unit: 'values/s' });
    notes.push('field figures are one process on one core; a page runs withTenant end to end (BEGIN, SET LOCAL ROLE and app.tenant_id, the tenant check, phi_tenant_data_keys(), the SELECT, decryption, COMMIT)');
  } finally {
    if (owner?.isInitialized) await dropPlainTwin(owner);
    await app?.destroy().catch(() => undefined);
    await owner?.destroy().catch(() => undefined);
    await dropDatabase(ctx.admin, DATABASE);
    rmSync(keyFolder, { recursive: true, force: true });
  }
  return { title: TITLE, measured: true, figures, targets, notes, table: { header: ['operation', 'µs or p50', 'ops/s or p95'], rows } };
}
