import { existsSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { auditFolder } from '../../src/audit/checkpoints/checkpoint-config';
import { dropDatabase } from './databases';
import { TEST_DATABASE_PREFIX } from './test-server';

/**
 * Drops the template and stops the suite's embedded server, if it started one. Also removes the
 * checkpoint stores that commands run by the tests made under the default `.audit/checkpoints/`
 * for the suite's databases, which are gone now.
 */
export default async function globalTeardown(): Promise<void> {
  const suite = globalThis.foundationTestSuite;
  if (!suite) return;
  try {
    await dropDatabase(suite.server.admin, suite.template);
  } finally {
    rmSync(suite.keyFolder, { recursive: true, force: true });
    removeTestCheckpointStores();
    await suite.server.stop();
  }
}

function removeTestCheckpointStores(): void {
  const stores = path.join(auditFolder(), 'checkpoints');
  if (!existsSync(stores)) return;
  for (const name of readdirSync(stores)) {
    if (name.startsWith(TEST_DATABASE_PREFIX)) rmSync(path.join(stores, name), { recursive: true, force: true });
  }
}
