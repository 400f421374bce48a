import { rmSync } from 'node:fs';
import { dropDatabase } from './databases';

/** Drops the template and stops the suite's embedded server, if it started one. */
export default async function globalTeardown(): Promise<void> {
  const suite = globalThis.foundationTestSuite;
  if (!suite) return;
  try {
    await dropDatabase(suite.server.admin, suite.template);
  } finally {
    rmSync(suite.keyFolder, { recursive: true, force: true });
    await suite.server.stop();
  }
}
