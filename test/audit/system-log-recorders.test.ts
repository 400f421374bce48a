import { repairChecksum } from '../../src/database/migration-safety/repair-checksum';
import { revertMigrationsSafely } from '../../src/database/migration-safety/revert-migrations';
import { readSafetySettings } from '../../src/database/migration-safety/settings';
import { systemKeyEventOf } from '../../src/phi';
import { useTestDatabase } from '../support/test-database';

interface Recorded {
  event_type: string;
  object_name: string;
  checksum: string | null;
  actor: string | null;
}

/**
 * Who ran, reverted or repaired which migration, and when, is platform evidence: the migration
 * runner records each in the system audit log, in the same transaction as the migration's own
 * bookkeeping row, from CreateSystemAuditLog on (it records its own run: the function exists by
 * the time its row is written). The key commands' events are checked in test/phi/shredding.test.ts.
 */
describe('the migration runner records in the system audit log', () => {
  const db = useTestDatabase();
  const quiet = () => undefined;
  const migrationEvents = (): Promise<Recorded[]> =>
    db.dataSource.query(
      `SELECT event_type, object_name, checksum, actor FROM system_audit_log WHERE stream = 'migrations' ORDER BY chain_sequence`,
    );

  it('every migration applied from CreateSystemAuditLog on, with the checksum the bookkeeping row holds', async () => {
    const applied: { name: string; checksum: string }[] = await db.dataSource.query(
      `SELECT name, checksum FROM schema_migrations WHERE id >= (SELECT id FROM schema_migrations WHERE name = 'CreateSystemAuditLog1754250060000') ORDER BY id`,
    );
    expect(applied.length).toBeGreaterThan(5);
    const events = await migrationEvents();
    expect(events.map(({ event_type, object_name, checksum }) => ({ event_type, object_name, checksum }))).toEqual(
      applied.map(({ name, checksum }) => ({ event_type: 'migration.run', object_name: name, checksum })),
    );
    expect(events[0]!.object_name).toBe('CreateSystemAuditLog1754250060000');
    expect(events.every((event) => typeof event.actor === 'string' && event.actor.length > 0)).toBe(true);
  });

  it('a revert and its run again, and a repair, each add their event; a failed run adds none', async () => {
    const [latest] = await db.dataSource.query(`SELECT name, checksum FROM schema_migrations ORDER BY id DESC LIMIT 1`);
    const before = (await migrationEvents()).length;
    const report = await revertMigrationsSafely(db.dataSource, { count: 1, allowDataLoss: true }, readSafetySettings(), quiet);
    expect(report.reverted).toEqual([latest.name]);
    await db.dataSource.runMigrations({ transaction: 'each' });
    await repairChecksum(db.dataSource, latest.name, readSafetySettings(), quiet);
    const added = (await migrationEvents()).slice(before).map(({ event_type, object_name }) => ({ event_type, object_name }));
    expect(added).toEqual([
      { event_type: 'migration.revert', object_name: latest.name },
      { event_type: 'migration.run', object_name: latest.name },
      { event_type: 'migration.repair', object_name: latest.name },
    ]);
  });

  it('key rotations and crypto-shredding become key.rotate and key.shred events about the tenant; routine key creation does not', () => {
    const tenantId = '4f1c2b44-7c4e-4a55-9f0b-2a2d8a0e9b11';
    const at = new Date();
    expect(systemKeyEventOf({ kind: 'rotation_completed', tenantId, toVersion: 3, retiredVersions: [2], reencryptedValues: 40, at })).toEqual({
      action: 'rotate',
      keyId: `phi-data-key:${tenantId}:v3`,
      subjectTenantId: tenantId,
      details: { phase: 'completed', toVersion: 3, retiredVersions: [2], reencryptedValues: 40 },
    });
    expect(systemKeyEventOf({ kind: 'tenant_shredded', tenantId, destroyedVersions: [1, 2], kekId: 'local:abc', at })).toEqual({
      action: 'shred',
      keyId: 'local:abc',
      subjectTenantId: tenantId,
      details: { destroyedVersions: [1, 2] },
    });
    expect(systemKeyEventOf({ kind: 'data_key_created', tenantId, keyVersion: 1, kekId: 'local:abc', at })).toBeNull();
  });
});
