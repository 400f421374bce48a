import { SingleBar, Presets } from 'cli-progress';

/**
 * A progress bar on stderr for a loop of `total` steps. cli-progress draws nothing when stderr
 * is not a terminal (CI, redirected output), so logs stay clean.
 */
export function progressBar(label: string, total: number): { tick(): void; stop(): void } {
  const bar = new SingleBar(
    { format: `${label.padEnd(34)} [{bar}] {value}/{total}`, stream: process.stderr, hideCursor: true, clearOnComplete: true },
    Presets.shades_classic,
  );
  bar.start(total, 0);
  return { tick: () => bar.increment(), stop: () => bar.stop() };
}
