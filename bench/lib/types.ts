import { ConnectionSettings } from '../../src/database/connection-settings';

/** One measured number, as printed and as written to results.json. */
export interface Figure {
  name: string;
  value: number;
  unit: string;
  /** Already shown in the section's table, so not listed again when printing. */
  inTable?: boolean;
}

/** A target from the issue and whether this run met it; `met` is null when it was not measured. */
export interface TargetOutcome {
  name: string;
  target: string;
  value: number | null;
  unit: string;
  met: boolean | null;
}

export interface SectionResult {
  title: string;
  /** False when the migrated catalog lacks what the section needs; `reason` says what. */
  measured: boolean;
  reason?: string;
  figures: Figure[];
  targets: TargetOutcome[];
  notes: string[];
  /** A compact table to print instead of one line per figure (the figures still go to results.json). */
  table?: { header: string[]; rows: string[][] };
}

/** How much data and how many repetitions a run uses. */
export interface BenchScale {
  tenants: number;
  facilities: number;
  users: number;
  clients: number;
  auditEvents: number;
  /** Runs of each query in the scale section (per role). */
  queryRuns: number;
  /** Whole-process runs of each deploy path. */
  processRuns: number;
  /** Seconds each audit-write configuration runs for. */
  writeSeconds: number;
}

export interface BenchContext {
  /** The project root (where package.json is). */
  root: string;
  /** A superuser (or database owner) connection to the bench server's `postgres` database. */
  admin: ConnectionSettings;
  quick: boolean;
  scale: BenchScale;
  /** True when the bench started its own embedded server (no DATABASE_URL). */
  embedded: boolean;
  /**
   * Peak resident memory (kB) of migration CLI runs already made by an earlier section, by
   * label, so the memory section need not start the same processes again.
   */
  cliPeakRss: Map<string, { kilobytes: number; method: string }>;
  /** A line of progress for the person watching (stderr). */
  log(line: string): void;
}

export function notMeasured(title: string, reason: string): SectionResult {
  return { title, measured: false, reason, figures: [], targets: [], notes: [] };
}

/** A target "value at most limit" (or at least, with `atLeast`). */
export function target(name: string, targetText: string, value: number | null, unit: string, pass: (v: number) => boolean): TargetOutcome {
  return { name, target: targetText, value, unit, met: value === null || !Number.isFinite(value) ? null : pass(value) };
}
