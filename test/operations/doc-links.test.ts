import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../support/cli';

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[`*_]/g, '')
    .replace(/[^\p{L}\p{N} -]/gu, '')
    .replace(/ /g, '-');
}

function anchorsIn(file: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let inFence = false;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.startsWith('```')) inFence = !inFence;
    const heading = !inFence && /^#{1,6} (.*)$/.exec(line);
    if (!heading) continue;
    const base = anchorOf(heading[1]!);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

/** Every Markdown file a reader starts from: the README, docs/ and the folder READMEs. */
const DOCUMENTS = [
  'README.md',
  ...readdirSync(path.join(PROJECT_ROOT, 'docs')).filter((file) => file.endsWith('.md')).map((file) => `docs/${file}`),
  'src/migrations/README.md',
  'test/support/README.md',
];

/** Relative links `[text](target)` outside code, with their line. */
function relativeLinks(file: string): { line: number; target: string }[] {
  const links: { line: number; target: string }[] = [];
  let inFence = false;
  readFileSync(path.join(PROJECT_ROOT, file), 'utf8')
    .split('\n')
    .forEach((text, index) => {
      if (text.startsWith('```')) inFence = !inFence;
      if (inFence) return;
      for (const match of text.replace(/`[^`]*`/g, '').matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = match[1]!;
        if (!/^[a-z]+:/i.test(target)) links.push({ line: index + 1, target });
      }
    });
  return links;
}

describe('links in the README and docs/', () => {
  it('finds the documents and their links (the check below is not vacuous)', () => {
    expect(DOCUMENTS.length).toBeGreaterThan(8);
    expect(relativeLinks('README.md').length).toBeGreaterThan(10);
  });

  it.each(DOCUMENTS)('every relative link of %s resolves to a file and, with #, to a heading', (document) => {
    const broken: string[] = [];
    for (const { line, target } of relativeLinks(document)) {
      const [file, anchor] = target.split('#') as [string, string | undefined];
      const resolved = file === '' ? path.join(PROJECT_ROOT, document) : path.resolve(path.dirname(path.join(PROJECT_ROOT, document)), decodeURI(file));
      if (!existsSync(resolved)) {
        broken.push(`${document}:${line} ${target} (no such file)`);
      } else if (anchor && resolved.endsWith('.md') && !anchorsIn(resolved).has(anchor)) {
        broken.push(`${document}:${line} ${target} (no heading with that anchor)`);
      }
    }
    expect(broken).toEqual([]);
  });
});
