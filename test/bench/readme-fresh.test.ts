import { readFileSync } from 'node:fs';
import path from 'node:path';
import { BEGIN, END, renderReadme } from '../../bench/lib/readme';

const ROOT = path.join(__dirname, '..', '..');

describe('bench/README.md', () => {
  it("carries exactly the figures of bench/results.json (regenerate with npm run bench:readme)", () => {
    const { current, expected } = renderReadme(ROOT);
    expect(current).toBe(expected);
  });

  it('states the run it describes: command, commit when recorded, and every target of the results', () => {
    const readme = readFileSync(path.join(ROOT, 'bench', 'README.md'), 'utf8');
    const block = readme.slice(readme.indexOf(BEGIN), readme.indexOf(END));
    const results = JSON.parse(readFileSync(path.join(ROOT, 'bench', 'results.json'), 'utf8')) as {
      command: string;
      commit?: string;
      targets: { name: string; verdict: string }[];
    };
    expect(block).toContain(`\`${results.command}\``);
    if (results.commit) expect(block).toContain(results.commit.slice(0, 12));
    for (const t of results.targets) expect(block).toContain(`| ${t.name.replaceAll('|', '\\|')} |`);
  });
});
