import { SectionResult, TargetOutcome } from './types';

/** Prints every section's figures, then every target with MET, MISSED or NOT MEASURED. */
export function printReport(sections: SectionResult[]): void {
  for (const section of sections) {
    console.log(`\n== ${section.title}`);
    if (!section.measured) {
      console.log(`   not measured: ${section.reason}`);
      continue;
    }
    const listed = section.figures.filter((f) => !f.inTable);
    if (listed.length) printTable(['figure', 'value'], listed.map((f) => [f.name, `${f.value} ${f.unit}`]));
    if (section.table) {
      if (listed.length) console.log('');
      printTable(section.table.header, section.table.rows);
    }
    for (const note of section.notes) console.log(`   note: ${note}`);
  }
  const targets = sections.flatMap((s) => s.targets.map((t) => ({ section: s.title, ...t })));
  console.log('\n== Targets');
  printTable(
    ['target', 'wanted', 'measured', 'verdict'],
    targets.map((t) => [t.name, t.target, t.value === null ? '-' : `${t.value} ${t.unit}`, verdict(t)]),
  );
  const missed = targets.filter((t) => t.met === false).length;
  const met = targets.filter((t) => t.met === true).length;
  const unmeasured = targets.length - met - missed;
  console.log(`\ntargets: ${met} met, ${missed} missed, ${unmeasured} not measured`);
  for (const section of sections.filter((s) => !s.measured)) console.log(`not measured: ${section.title}: ${section.reason}`);
}

export function verdict(t: TargetOutcome): string {
  return t.met === null ? 'NOT MEASURED' : t.met ? 'met' : 'MISSED';
}

function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    `   ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')}`.trimEnd();
  console.log(line(header));
  console.log(`   ${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  for (const row of rows) console.log(line(row));
}
