import { CARE_LEVELS, FUNDING_SOURCES, PlacementRecord } from '../../src/entities';
import { makeClient, makePlacementRecord, unknownId } from '../support/factories';
import { seedClinicalWorld } from '../support/fixtures';
import { withForeignKeysDisabled } from '../support/foreign-keys';
import { outcomeOf, probeRule, RuleSamples, rulesOfTable } from '../support/rule-check';
import { fakeCiphertext } from '../support/tenant-data';
import { useTestDatabase } from '../support/test-database';

describe('placement_records: database rules and class-validator agree', () => {
  const db = useTestDatabase();
  let world: Awaited<ReturnType<typeof seedClinicalWorld>>;
  const tested = new Set<string>();
  const valid = () => makePlacementRecord(world.tenantA.id, world.a.client.id);
  const probe = async (samples: RuleSamples<PlacementRecord>) => {
    tested.add(samples.rule);
    expect(await probeRule(db.dataSource, PlacementRecord, valid, samples)).toEqual([]);
  };
  const insert = (row: PlacementRecord) => outcomeOf(() => db.dataSource.manager.insert(PlacementRecord, row));
  const placed = () => ({ facilityId: world.facilityA.id, placedOn: '2025-01-06' });
  const notCiphertexts = [Buffer.from('Type 2 diabetes'), Buffer.alloc(0), Buffer.from([7, 0, 0, 0, 1, 1, 1])];

  beforeAll(async () => {
    world = await seedClinicalWorld(db.dataSource);
  });

  it('placement_status_enum, care_level_enum, funding_source_enum: only the declared values', async () => {
    await probe({
      rule: 'placement_status_enum',
      property: 'status',
      with: { ...placed(), endedOn: '2025-06-30' },
      accepted: ['draft', 'referred', 'placed', 'ended', 'cancelled'],
      rejected: ['moved'],
    });
    await probe({ rule: 'care_level_enum', property: 'careLevel', accepted: [null, ...CARE_LEVELS], rejected: ['intensive'] });
    await probe({ rule: 'funding_source_enum', property: 'fundingSource', accepted: [null, ...FUNDING_SOURCES], rejected: ['lottery'] });
  });

  it('chk_placement_records_placed_has_facility: a placed or ended record has a facility and a placement date', async () => {
    await probe({
      rule: 'chk_placement_records_placed_has_facility',
      property: 'facilityId',
      with: { status: 'placed', placedOn: '2025-01-06' },
      accepted: [world.facilityA.id],
      rejected: [null],
    });
    await probe({
      rule: 'chk_placement_records_placed_has_facility',
      property: 'placedOn',
      with: { status: 'placed', facilityId: world.facilityA.id },
      accepted: ['2025-01-06'],
      rejected: [null],
    });
    await probe({ rule: 'chk_placement_records_placed_has_facility', property: 'facilityId', with: { status: 'referred' }, accepted: [null], rejected: [] });
  });

  it('chk_placement_records_ended_has_end: an ended record has an end date', () =>
    probe({
      rule: 'chk_placement_records_ended_has_end',
      property: 'endedOn',
      with: { status: 'ended', ...placed() },
      accepted: ['2025-01-06', '2025-06-30'],
      rejected: [null],
    }));

  it('chk_placement_records_end_after_start: an end needs a placement date and is not before it', async () => {
    await probe({
      rule: 'chk_placement_records_end_after_start',
      property: 'endedOn',
      with: { placedOn: '2025-03-01' },
      accepted: [null, '2025-03-01', '2025-03-02'],
      rejected: ['2025-02-28'],
    });
    await probe({ rule: 'chk_placement_records_end_after_start', property: 'endedOn', with: { placedOn: null }, accepted: [null], rejected: ['2025-03-01'] });
  });

  it.each([
    ['chk_placement_records_diagnoses_encrypted_envelope', 'diagnosesEncrypted'],
    ['chk_placement_records_care_needs_encrypted_envelope', 'careNeedsEncrypted'],
    ['chk_placement_records_preferences_encrypted_envelope', 'preferencesEncrypted'],
    ['chk_placement_records_funding_details_encrypted_envelope', 'fundingDetailsEncrypted'],
  ] as const)('%s: optional; a field ciphertext when present', (rule, property) =>
    probe({ rule, property, accepted: [null, fakeCiphertext()], rejected: notCiphertexts }),
  );

  it('uq_placement_records_open_per_client: at most one open (draft, referred, placed) live record per client', async () => {
    tested.add('uq_placement_records_open_per_client');
    const client = await db.dataSource.manager.save(makeClient(world.tenantA.id));
    const first = await db.dataSource.manager.save(makePlacementRecord(world.tenantA.id, client.id, { status: 'referred' }));
    expect(await insert(makePlacementRecord(world.tenantA.id, client.id, { status: 'draft' }))).toContain('uq_placement_records_open_per_client');
    expect(await insert(makePlacementRecord(world.tenantA.id, client.id, { status: 'placed', ...placed() }))).toContain(
      'uq_placement_records_open_per_client',
    );
    expect(await insert(makePlacementRecord(world.tenantA.id, client.id, { status: 'cancelled' }))).toBe('accepted');
    expect(await insert(makePlacementRecord(world.tenantA.id, client.id, { status: 'ended', ...placed(), endedOn: '2025-02-01' }))).toBe('accepted');
    await db.dataSource.getRepository(PlacementRecord).softDelete({ tenantId: world.tenantA.id, id: first.id });
    expect(await insert(makePlacementRecord(world.tenantA.id, client.id, { status: 'draft' }))).toBe('accepted');
  });

  it('fk_placement_records_client_id, _facility_id, _form_metadata_id: of the record\'s own tenant', async () => {
    for (const rule of ['fk_placement_records_client_id', 'fk_placement_records_facility_id', 'fk_placement_records_form_metadata_id']) tested.add(rule);
    const { tenantA } = world;
    expect(await insert(makePlacementRecord(tenantA.id, world.b.client.id))).toContain('fk_placement_records_client_id');
    expect(await insert(makePlacementRecord(tenantA.id, unknownId()))).toContain('fk_placement_records_client_id');
    expect(await insert(makePlacementRecord(tenantA.id, world.a.client.id, { status: 'cancelled', facilityId: world.facilityB.id }))).toContain(
      'fk_placement_records_facility_id',
    );
    expect(await insert(makePlacementRecord(tenantA.id, world.a.client.id, { status: 'cancelled', formMetadataId: world.b.form.id }))).toContain(
      'fk_placement_records_form_metadata_id',
    );
    expect(await insert(makePlacementRecord(tenantA.id, world.a.client.id, { status: 'cancelled', facilityId: world.facilityA.id, formMetadataId: world.a.form.id }))).toBe(
      'accepted',
    );
    const remove = () => db.dataSource.query(`DELETE FROM clients WHERE tenant_id = $1 AND id = $2`, [tenantA.id, world.a.client.id]);
    expect(await outcomeOf(remove)).toContain('fk_placement_records_client_id');
  });

  it('fk_placement_records_tenant_id: the tenant must exist, even on its own', async () => {
    tested.add('fk_placement_records_tenant_id');
    const outcome = await withForeignKeysDisabled(db.dataSource, 'placement_records', ['fk_placement_records_client_id'], (runner) =>
      outcomeOf(() => runner.manager.insert(PlacementRecord, makePlacementRecord(unknownId(), world.a.client.id))),
    );
    expect(outcome).toContain('fk_placement_records_tenant_id');
  });

  it('every CHECK, UNIQUE and FOREIGN KEY of the table is probed above', async () => {
    expect((await rulesOfTable(db.dataSource, 'placement_records')).filter((rule) => !tested.has(rule))).toEqual([]);
  });
});
