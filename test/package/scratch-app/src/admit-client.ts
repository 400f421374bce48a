// Encrypting PHI from the installed package (docs/application.md): type-checked with the
// application by the package test; test/phi runs the same calls against PostgreSQL.
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import {
  Client,
  openClientIdentity,
  phiKeyringFromEnvironment,
  recordAuditEvent,
  sealClientIdentity,
  searchClients,
  withTenant,
} from 'foundation-db';

const keyring = phiKeyringFromEnvironment(); // once per process: FOUNDATION_PHI_KEK_MODULE names the KMS adapter

export async function admitClient(db: DataSource, tenantId: string, actorUserId: string) {
  return withTenant(db, tenantId, async (manager) => {
    const cipher = await keyring.forTransaction(manager); // the tenant's data keys, unwrapped for this transaction
    const id = randomUUID(); // bound into every ciphertext of the row
    const sealed = await sealClientIdentity(cipher, id, { firstName: 'Ada', lastName: 'Byron', dateOfBirth: '1915-12-10', medicalRecordNumber: 'MRN-1815' });
    await manager.insert(Client, Object.assign(new Client(), { tenantId, id, status: 'referred', ...sealed }));
    const hits = await searchClients(manager, cipher, 'ada byr'); // best match first, only this tenant
    const first = hits[0] ? await manager.findOneByOrFail(Client, { id: hits[0].clientId }) : undefined;
    const identity = first ? await openClientIdentity(cipher, first) : undefined;
    await recordAuditEvent(manager, { tenantId, actorUserId, action: 'create', entityType: 'client', entityId: id });
    return { id, firstMatch: identity?.lastName };
  });
}
