/**
 * TypeORM 1.1 sends several queries at once on one pg client while it reads enum types; pg 8
 * queues them correctly but prints a DeprecationWarning on every CLI command. It is harmless
 * (pg 9 will refuse it, which is why the project stays on pg 8), and printed in every deploy
 * log it would teach people to ignore warnings. This hides that one warning and prints every
 * other warning as Node.js would.
 */
const HARMLESS = /Calling client\.query\(\) when the client is already executing a query is deprecated/;

let installed = false;

export function hideKnownHarmlessWarnings(): void {
  if (installed) return;
  installed = true;
  const defaultListeners = process.listeners('warning');
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    if (HARMLESS.test(warning.message)) return;
    for (const listener of defaultListeners) listener(warning);
  });
}
