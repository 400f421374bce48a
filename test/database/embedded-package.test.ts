import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatabaseConfigError } from '../../src/database/database-config-error';
import { EMBEDDED_POSTGRES_VARIABLE, resolveEmbeddedPackage } from '../../src/database/embedded-package';

describe('resolveEmbeddedPackage', () => {
  it("uses the project's own embedded-postgres when FOUNDATION_EMBEDDED_POSTGRES is unset", () => {
    const own = resolveEmbeddedPackage({});
    expect(own.specifier).toBe('embedded-postgres');
    expect(own.majorVersion).toBe(Number.parseInt(own.version, 10));
    expect(own.majorVersion).toBeGreaterThanOrEqual(14);
  });

  it('rejects a folder without embedded-postgres in one line naming the variable', () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), 'foundation-no-embedded-'));
    try {
      const attempt = () => resolveEmbeddedPackage({ [EMBEDDED_POSTGRES_VARIABLE]: empty });
      expect(attempt).toThrow(DatabaseConfigError);
      expect(attempt).toThrow(`${EMBEDDED_POSTGRES_VARIABLE}=${empty} holds no embedded-postgres package`);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('rejects a folder that does not exist the same way', () => {
    const missing = path.join(os.tmpdir(), 'foundation-no-such-folder-for-embedded-postgres');
    expect(() => resolveEmbeddedPackage({ [EMBEDDED_POSTGRES_VARIABLE]: missing })).toThrow(DatabaseConfigError);
  });

  it("does not fall back to the project's own package for an empty folder inside the project", () => {
    const inside = mkdtempSync(path.join(__dirname, 'no-embedded-'));
    try {
      expect(() => resolveEmbeddedPackage({ [EMBEDDED_POSTGRES_VARIABLE]: inside })).toThrow(DatabaseConfigError);
    } finally {
      rmSync(inside, { recursive: true, force: true });
    }
  });
});
