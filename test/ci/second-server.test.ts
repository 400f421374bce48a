import path from 'node:path';
import { majorOfVersionNum, matrixMajors, reportedMajor, usableSecondServer } from '../../scripts/matrix/second-server';
import { PROJECT_ROOT, runProgram } from '../support/cli';
import { testAdminSettings } from '../support/databases';
import { startFakeServer } from '../support/fake-servers';
import { withAdminClient } from '../support/test-server';

/**
 * `.ci/run` runs the suite on whatever answers on 127.0.0.1:5432 and leaves that server's major
 * out of the embedded matrix, from the version the server reports, not from the port answering.
 */
describe("CI's second server (scripts/matrix/second-server.ts)", () => {
  it('reads the major from server_version_num', () => {
    expect(majorOfVersionNum('150014')).toBe(15);
    expect(majorOfVersionNum('180004')).toBe(18);
    expect(() => majorOfVersionNum('90624')).toThrow('is not that of PostgreSQL 10 or later');
    expect(() => majorOfVersionNum('')).toThrow('server_version_num ""');
  });

  it('leaves out of the matrix only the embedded major and a supported second major', () => {
    expect(matrixMajors(17, 15)).toEqual([14, 16, 18]);
    expect(matrixMajors(17, 16)).toEqual([14, 15, 18]);
    expect(matrixMajors(17, undefined)).toEqual([14, 15, 16, 18]);
    expect(usableSecondServer(17, 15)).toBe(true);
    expect(usableSecondServer(17, 17)).toBe(false);
    expect(usableSecondServer(17, 13)).toBe(false);
    expect(usableSecondServer(17, undefined)).toBe(false);
  });

  it("asks the suite's own server for its version, as that server states it", async () => {
    const admin = testAdminSettings();
    // version() ("PostgreSQL 17.6 on x86_64...") rather than the setting the script reads.
    const stated = await withAdminClient(admin, async (client) => (await client.query<{ v: string }>('SELECT version() AS v')).rows[0]!.v);
    expect(await reportedMajor(admin.url)).toBe(Number.parseInt(/^PostgreSQL (\d+)/.exec(stated)![1]!, 10));
  });

  it('the command prints "none" and every other major when nothing, or no PostgreSQL, answers', async () => {
    const script = path.join(PROJECT_ROOT, 'scripts/matrix/second-server.ts');
    const http = await startFakeServer('http');
    try {
      const [refused, notPostgres] = await Promise.all([
        runProgram('node_modules/.bin/ts-node', [script, 'postgres://postgres@127.0.0.1:1/postgres']),
        runProgram('node_modules/.bin/ts-node', [script, http.url('postgres')]),
      ]);
      for (const result of [refused, notPostgres]) {
        expect({ code: result.code, stdout: result.stdout }).toEqual({ code: 0, stdout: 'none 14,15,16,18\n' });
        expect(result.stderr).toContain('no PostgreSQL usable at 127.0.0.1:');
      }
    } finally {
      await http.close();
    }
  });
});
