import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  KekUnavailableError,
  keyEncryptionKeyProviderFromEnvironment,
  LocalKeyEncryptionKeyProvider,
  PhiConfigurationError,
} from '../../src/phi';
import { runProjectCli } from '../support/cli';

/** The key-encryption key providers: the local development one, and the KMS-shaped interface. */
describe('key-encryption key providers', () => {
  let folder: string;
  beforeAll(() => {
    folder = mkdtempSync(path.join(os.tmpdir(), 'foundation-kek-test-'));
  });
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('creates one key per tenant on first use, atomically, even from many providers at once', async () => {
    const tenant = randomUUID();
    const keyFolder = path.join(folder, 'concurrent');
    const ids = await Promise.all(Array.from({ length: 12 }, () => new LocalKeyEncryptionKeyProvider(keyFolder).tenantKekId(tenant)));
    expect(new Set(ids)).toEqual(new Set([`local:${tenant}`]));
    const file = path.join(keyFolder, `${tenant}.kek`);
    expect(readFileSync(file, 'utf8').trim()).toMatch(/^[0-9a-f]{64}$/);
    expect((statSync(file).mode & 0o777).toString(8)).toBe('600');
    expect((statSync(keyFolder).mode & 0o777).toString(8)).toBe('700');
  });

  it('wraps and unwraps a data key bound to its tenant and version; destroying the KEK ends that for good', async () => {
    const provider = new LocalKeyEncryptionKeyProvider(path.join(folder, 'wrap'));
    const tenant = randomUUID();
    const kekId = await provider.tenantKekId(tenant);
    const plaintextKey = randomBytes(32);
    const wrappedKey = await provider.wrap({ kekId, tenantId: tenant, keyVersion: 1, plaintextKey });
    expect(wrappedKey.includes(plaintextKey)).toBe(false);
    expect(await provider.unwrap({ kekId, tenantId: tenant, keyVersion: 1, wrappedKey })).toEqual(plaintextKey);
    await expect(provider.unwrap({ kekId, tenantId: tenant, keyVersion: 2, wrappedKey })).rejects.toThrow();

    await provider.destroyTenantKek(tenant);
    await expect(provider.unwrap({ kekId, tenantId: tenant, keyVersion: 1, wrappedKey })).rejects.toBeInstanceOf(KekUnavailableError);
    await expect(provider.tenantKekId(tenant)).rejects.toThrow(/never recreated/);
    await provider.destroyTenantKek(tenant); // idempotent
  });

  it('takes a production provider from FOUNDATION_PHI_KEK_MODULE, and refuses the local folder in production', () => {
    expect(() => keyEncryptionKeyProviderFromEnvironment({ NODE_ENV: 'production' })).toThrow(PhiConfigurationError);
    expect(() => keyEncryptionKeyProviderFromEnvironment({ NODE_ENV: 'production' })).toThrow(/FOUNDATION_PHI_KEK_MODULE/);
    const module = path.join(folder, 'kms-adapter.js');
    writeFileSync(
      module,
      `exports.createKeyEncryptionKeyProvider = (env) => ({ name: 'fake-kms:' + env.FAKE_KMS_REGION, tenantKekId: async () => 'arn:fake', wrap: async () => Buffer.alloc(16), unwrap: async () => Buffer.alloc(32), destroyTenantKek: async () => undefined });\n`,
    );
    expect(keyEncryptionKeyProviderFromEnvironment({ NODE_ENV: 'production', FOUNDATION_PHI_KEK_MODULE: module, FAKE_KMS_REGION: 'us-east-1' }).name).toBe('fake-kms:us-east-1');
    expect(() => keyEncryptionKeyProviderFromEnvironment({ FOUNDATION_PHI_KEK_MODULE: path.join(folder, 'missing.js') })).toThrow(/FOUNDATION_PHI_KEK_MODULE=.*cannot be loaded/);
    writeFileSync(path.join(folder, 'empty.js'), 'exports.nothing = 1;\n');
    expect(() => keyEncryptionKeyProviderFromEnvironment({ FOUNDATION_PHI_KEK_MODULE: path.join(folder, 'empty.js') })).toThrow(/exports no createKeyEncryptionKeyProvider/);
  });

  it('the key commands refuse production without a KMS, with exit code 2 and the reason', async () => {
    const result = await runProjectCli('phi-keys', ['rotate', '--all'], { NODE_ENV: 'production', DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('set FOUNDATION_PHI_KEK_MODULE');
    const backfill = await runProjectCli('phi-backfill', [], { NODE_ENV: 'production', DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' });
    expect(backfill.code).toBe(2);
    expect(backfill.stderr).toContain('The local key folder is for development only');
  });
});
