/**
 * `npm run bench:readme`: rewrites the figures of bench/README.md from bench/results.json, so
 * the README never cites a run other than the recorded one. `-- --check` changes nothing and
 * exits 1 when the README is stale (test/bench/readme-fresh.test.ts runs the same check).
 * `npm run bench` calls this itself after writing bench/results.json.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../src/database/project-root';
import { renderReadme } from './lib/readme';

const { file, current, expected } = renderReadme(projectRoot());
if (process.argv.includes('--check')) {
  if (current !== expected) {
    console.error(`${path.relative(projectRoot(), file)} is stale: its figures are not those of bench/results.json. Run: npm run bench:readme`);
    process.exitCode = 1;
  } else {
    console.log(`${path.relative(projectRoot(), file)} matches bench/results.json`);
  }
} else {
  writeFileSync(file, expected);
  console.log(`wrote ${path.relative(projectRoot(), file)} from bench/results.json`);
}
