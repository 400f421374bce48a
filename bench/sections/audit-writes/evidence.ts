import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { DirectoryCheckpointStore, PrivateKeySigner, TrustedKeys, loadCheckpointHistory, makeCheckpoint, verifyAuditLogs } from '../../../src/audit';
import { round } from '../../lib/stats';
import { Figure } from '../../lib/types';

/**
 * The evidence side, on the rows the write measurements left: a first checkpoint (every row of
 * every chain read and re-hashed in Node, then signed), a second one with nothing new (its fixed
 * cost), and a full verification against them. Rows per second; no target (informational).
 */
export async function measureEvidence(dataSource: DataSource): Promise<Figure[]> {
  const [{ rows }] = await dataSource.query(`SELECT count(*)::int AS rows FROM user_action_audit_logs`);
  const directory = mkdtempSync(path.join(os.tmpdir(), 'foundation-bench-checkpoints-'));
  try {
    const signer = new PrivateKeySigner(generateKeyPairSync('ed25519').privateKey);
    const trustedKeys = TrustedKeys.fromPemTexts([signer.publicKeyPem]);
    const store = new DirectoryCheckpointStore(directory);
    const timed = async (work: () => Promise<unknown>) => {
      const started = process.hrtime.bigint();
      await work();
      return Number(process.hrtime.bigint() - started) / 1e9;
    };
    const first = await timed(() => makeCheckpoint(dataSource.manager, { store, signer, trustedKeys }));
    const again = await timed(() => makeCheckpoint(dataSource.manager, { store, signer, trustedKeys }));
    const [{ database }] = await dataSource.query(`SELECT current_database() AS database`);
    const verify = await timed(async () => verifyAuditLogs(dataSource.manager, { history: await loadCheckpointHistory(store, trustedKeys, database) }));
    return [
      { name: `first checkpoint over ${rows} audit rows`, value: round(first, 2), unit: 's' },
      { name: 'first checkpoint rate', value: Math.round(rows / first), unit: 'rows/s' },
      { name: 'checkpoint with nothing new', value: round(again, 2), unit: 's' },
      { name: `verify against the checkpoints, ${rows} rows`, value: round(verify, 2), unit: 's' },
      { name: 'verify rate', value: Math.round(rows / verify), unit: 'rows/s' },
    ];
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}
