import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  DirectoryCheckpointStore,
  PrivateKeySigner,
  ProofUnavailableError,
  TrustedKeys,
  inclusionProofProblems,
  loadCheckpointHistory,
  makeCheckpoint,
  proveEvent,
  recordSystemEvent,
} from '../../src/audit';
import type { InclusionProof } from '../../src/audit';
import { sampleEvent, tamperAsSuperuser, tenantWithEvents } from '../support/audit';
import { recordAuditEvent } from '../../src/audit';
import { useTestDatabase } from '../support/test-database';

/**
 * Inclusion proofs, as transparency logs give them: one event shown to be in a signed
 * checkpoint by a logarithmic path, checked with the public key alone.
 */
describe('inclusion proofs of single events against signed checkpoints', () => {
  const db = useTestDatabase();
  let dir: string;
  let signer: PrivateKeySigner;
  let keys: TrustedKeys;
  const store = () => new DirectoryCheckpointStore(dir);
  const history = () => loadCheckpointHistory(store(), keys, db.name);
  const checkpoint = () => makeCheckpoint(db.dataSource.manager, { store: store(), signer, trustedKeys: keys });

  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'foundation-proofs-'));
    signer = new PrivateKeySigner(generateKeyPairSync('ed25519').privateKey);
    keys = TrustedKeys.fromPemTexts([signer.publicKeyPem]);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('every event of a chain signed over two checkpoints has a proof that holds, and only for itself', async () => {
    const { tenantId, events } = await tenantWithEvents(db.dataSource, 6);
    await checkpoint();
    for (let i = 6; i < 11; i++) events.push(await recordAuditEvent(db.dataSource.manager, sampleEvent(tenantId, i)));
    await checkpoint();
    const signed = await history();
    const proofs: InclusionProof[] = [];
    for (const event of events) {
      const proof = await proveEvent(db.dataSource.manager, signed, { log: 'user_action', chain: tenantId, eventId: event.id });
      expect({ event: event.id, problems: inclusionProofProblems(proof, keys) }).toEqual({ event: event.id, problems: [] });
      expect(proof.sequence).toBe(event.chainSequence);
      proofs.push(proof);
    }
    // The first six are proved by the first checkpoint's segment (carried into the second), the rest by the second's.
    expect(proofs.map((p) => p.entry.signedIn)).toEqual([1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2]);
    expect(proofs.map((p) => p.checkpoint.header.number)).toEqual([1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2]);

    const tampered = (change: (proof: InclusionProof) => void) => {
      const copy = JSON.parse(JSON.stringify(proofs[3])) as InclusionProof;
      change(copy);
      return inclusionProofProblems(copy, keys);
    };
    expect(tampered((p) => (p.event.entity_type = 'facility'))).toEqual(["the event's values do not hash to its row hash"]);
    expect(tampered((p) => (p.leafIndex = 2))).toEqual(expect.arrayContaining(["the leaf index does not match the event's sequence"]));
    expect(tampered((p) => (p.segmentPath[0] = '00'.repeat(32)))).toEqual(["the event's row hash is not in the chain entry's segment"]);
    expect(tampered((p) => (p.entry.sequence = '999'))).toEqual(['the chain entry is not in the checkpoint']);
    expect(tampered((p) => (p.checkpoint.header.createdAt = '2020-01-01T00:00:00.000Z'))).toEqual(["the checkpoint's signature is not valid"]);
    expect(inclusionProofProblems(proofs[3]!, TrustedKeys.fromPemTexts([new PrivateKeySigner(generateKeyPairSync('ed25519').privateKey).publicKeyPem]))).toEqual([
      `the checkpoint is signed by ${signer.keyId}, which is not a trusted key`,
    ]);
  });

  it('system events have proofs too', async () => {
    const recorded = await recordSystemEvent(db.dataSource.manager, { stream: 'keys', eventType: 'key.rotate', objectName: 'tenant-key-1' });
    await checkpoint();
    const proof = await proveEvent(db.dataSource.manager, await history(), { log: 'system', chain: 'keys', eventId: recorded.id });
    expect(inclusionProofProblems(proof, keys)).toEqual([]);
    expect(proof.event.object_name).toBe('tenant-key-1');
  });

  it('no proof for an event not yet signed, an unknown one, or one whose signed rows were changed since', async () => {
    const { tenantId, events } = await tenantWithEvents(db.dataSource, 3);
    const reason = (eventId: string) =>
      history()
        .then((signed) => proveEvent(db.dataSource.manager, signed, { log: 'user_action', chain: tenantId, eventId }))
        .then(() => 'proved', (error: unknown) => (error instanceof ProofUnavailableError ? error.reason : String(error)));
    expect(await reason(events[1]!.id)).toBe('not-covered');
    expect(await reason('00000000-0000-4000-8000-000000000000')).toBe('unknown-event');
    await checkpoint();
    expect(await reason(events[1]!.id)).toBe('proved');
    await tamperAsSuperuser(db.dataSource, (runner) =>
      runner.query(`UPDATE user_action_audit_logs SET row_hash = sha256(row_hash) WHERE tenant_id = $1 AND id = $2`, [tenantId, events[0]!.id]),
    );
    expect(await reason(events[1]!.id)).toBe('tampered');
  });
});
