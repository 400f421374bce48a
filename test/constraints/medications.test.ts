import { Medication } from '../../src/entities';
import { makeMedication, unknownId } from '../support/factories';
import { seedClinicalWorld } from '../support/fixtures';
import { withForeignKeysDisabled } from '../support/foreign-keys';
import { outcomeOf, probeRule, RuleSamples, rulesOfTable } from '../support/rule-check';
import { fakeCiphertext } from '../support/tenant-data';
import { useTestDatabase } from '../support/test-database';

describe('medications: database rules and class-validator agree', () => {
  const db = useTestDatabase();
  let world: Awaited<ReturnType<typeof seedClinicalWorld>>;
  const tested = new Set<string>();
  const probe = async (samples: RuleSamples<Medication>) => {
    tested.add(samples.rule);
    expect(await probeRule(db.dataSource, Medication, () => makeMedication(world.tenantA.id, world.a.client.id), samples)).toEqual([]);
  };
  const insert = (row: Medication) => outcomeOf(() => db.dataSource.manager.insert(Medication, row));
  const notCiphertexts = [Buffer.from('metformin 500 mg'), Buffer.alloc(0), Buffer.from([0, 0, 0, 0, 1, 1, 1])];

  beforeAll(async () => {
    world = await seedClinicalWorld(db.dataSource);
  });

  it('medication_route_enum: only the declared routes', () =>
    probe({ rule: 'medication_route_enum', property: 'route', accepted: ['oral', 'sublingual', 'topical', 'transdermal', 'inhaled', 'nasal', 'ophthalmic', 'otic', 'subcutaneous', 'intramuscular', 'intravenous', 'rectal', 'enteral_tube', 'other'], rejected: ['by mouth', ''] }));

  it('chk_medications_end_after_start: does not end before it starts', () =>
    probe({
      rule: 'chk_medications_end_after_start',
      property: 'endedOn',
      with: { startedOn: '2025-01-10' },
      accepted: [null, '2025-01-10', '2025-12-31'],
      rejected: ['2025-01-09'],
    }));

  it.each([
    ['chk_medications_drug_name_encrypted_envelope', 'drugNameEncrypted'],
    ['chk_medications_dose_encrypted_envelope', 'doseEncrypted'],
    ['chk_medications_frequency_encrypted_envelope', 'frequencyEncrypted'],
  ] as const)('%s: a field ciphertext, never plaintext bytes', (rule, property) =>
    probe({ rule, property, accepted: [fakeCiphertext()], rejected: notCiphertexts }),
  );

  it.each([
    ['chk_medications_instructions_encrypted_envelope', 'instructionsEncrypted'],
    ['chk_medications_prescriber_name_encrypted_envelope', 'prescriberNameEncrypted'],
  ] as const)('%s: optional; a field ciphertext when present', (rule, property) =>
    probe({ rule, property, accepted: [null, fakeCiphertext()], rejected: notCiphertexts }),
  );

  it("fk_medications_client_id and fk_medications_prescriber_specialist_id: of the row's own tenant", async () => {
    tested.add('fk_medications_client_id');
    tested.add('fk_medications_prescriber_specialist_id');
    const { tenantA, a, b } = world;
    expect(await insert(makeMedication(tenantA.id, b.client.id))).toContain('fk_medications_client_id');
    expect(await insert(makeMedication(tenantA.id, a.client.id, { prescriberSpecialistId: b.specialist.id }))).toContain(
      'fk_medications_prescriber_specialist_id',
    );
    expect(await insert(makeMedication(tenantA.id, a.client.id, { prescriberSpecialistId: a.specialist.id }))).toBe('accepted');
    const remove = () => db.dataSource.query(`DELETE FROM specialists WHERE tenant_id = $1 AND id = $2`, [tenantA.id, a.specialist.id]);
    expect(await outcomeOf(remove)).toContain('fk_medications_prescriber_specialist_id');
  });

  it('fk_medications_tenant_id: the tenant must exist, even on its own', async () => {
    tested.add('fk_medications_tenant_id');
    const outcome = await withForeignKeysDisabled(db.dataSource, 'medications', ['fk_medications_client_id'], (runner) =>
      outcomeOf(() => runner.manager.insert(Medication, makeMedication(unknownId(), world.a.client.id))),
    );
    expect(outcome).toContain('fk_medications_tenant_id');
  });

  it('every CHECK, UNIQUE and FOREIGN KEY of the table is probed above', async () => {
    expect((await rulesOfTable(db.dataSource, 'medications')).filter((rule) => !tested.has(rule))).toEqual([]);
  });
});
