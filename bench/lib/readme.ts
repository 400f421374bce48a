import { readFileSync } from 'node:fs';
import path from 'node:path';

/** The part of bench/README.md that is generated; everything outside the markers is written by hand. */
export const BEGIN = '<!-- figures:begin (generated from bench/results.json by `npm run bench:readme`; do not edit) -->';
export const END = '<!-- figures:end -->';

interface Results {
  generatedAt: string;
  command: string;
  mode: string;
  durationSeconds: number;
  commit?: string | null;
  dirty?: boolean | null;
  machine: { cpuModel: string; cores: number; memoryGiB: number; node: string; postgres: string; loadAverage1m: number; loadAverage1mAtEnd?: number };
  sections: { title: string; measured: boolean; reason?: string; figures: { name: string; value: number; unit: string }[]; notes: string[] }[];
  targets: { section: string; name: string; target: string; value: number | null; unit: string; verdict: string }[];
}

/** The generated block for `results` (a parsed bench/results.json). */
export function renderFigures(results: Results): string {
  const m = results.machine;
  const load = m.loadAverage1mAtEnd === undefined ? `${m.loadAverage1m}` : `${m.loadAverage1m} at start, ${m.loadAverage1mAtEnd} at end`;
  const lines = [
    BEGIN,
    '',
    `Run: \`${results.command}\` (${results.mode}) at ${results.generatedAt}, ${results.durationSeconds} s` +
      (results.commit ? `, commit ${results.commit.slice(0, 12)}${results.dirty ? ' with uncommitted changes' : ''}` : ', commit not recorded') +
      '.',
    `Machine: ${m.cores} x ${m.cpuModel}, ${m.memoryGiB} GiB, node ${m.node}, PostgreSQL ${m.postgres}; 1-minute load average ${load}` +
      ` (${m.cores} cores: a load above ${m.cores} means other work shared the machine, and wall-time figures grew with it).`,
    '',
    '### Targets',
    '',
    '| section | target | wanted | measured | verdict |',
    '| --- | --- | --- | --- | --- |',
    ...results.targets.map((t) => `| ${t.section} | ${cell(t.name)} | ${cell(t.target)} | ${t.value === null ? '-' : `${t.value} ${t.unit}`} | ${t.verdict} |`),
    '',
    `${results.targets.filter((t) => t.verdict === 'met').length} met, ${results.targets.filter((t) => t.verdict === 'MISSED').length} missed, ` +
      `${results.targets.filter((t) => t.verdict === 'NOT MEASURED').length} not measured.`,
  ];
  for (const section of results.sections) {
    lines.push('', `### ${section.title}`, '');
    if (!section.measured) {
      lines.push(`Not measured: ${section.reason ?? 'no reason recorded'}.`);
      continue;
    }
    lines.push('| figure | value |', '| --- | --- |', ...section.figures.map((f) => `| ${cell(f.name)} | ${f.value} ${f.unit} |`));
    if (section.notes.length) lines.push('', ...section.notes.map((n) => `- ${n}`));
  }
  lines.push('', END);
  return lines.join('\n');
}

function cell(text: string): string {
  return text.replaceAll('|', '\\|');
}

/** bench/README.md with its generated block replaced by the figures of `resultsFile`. */
export function renderReadme(root: string, resultsFile = path.join(root, 'bench', 'results.json')): { file: string; current: string; expected: string } {
  const file = path.join(root, 'bench', 'README.md');
  const current = readFileSync(file, 'utf8');
  const begin = current.indexOf(BEGIN);
  const end = current.indexOf(END);
  if (begin < 0 || end < begin) throw new Error(`${file} has no generated block (${BEGIN} ... ${END})`);
  const results = JSON.parse(readFileSync(resultsFile, 'utf8')) as Results;
  const expected = current.slice(0, begin) + renderFigures(results) + current.slice(end + END.length);
  return { file, current, expected };
}
