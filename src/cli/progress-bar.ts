import { Presets, SingleBar } from 'cli-progress';

/**
 * A progress bar on stderr. cli-progress draws nothing when stderr is not a terminal (CI, a
 * log file), so commands also print a line per finished step.
 */
export function progressBar(label: string): { update(value: number, total: number): void; stop(): void } {
  const bar = new SingleBar(
    { format: `${label.padEnd(40)} [{bar}] {value}/{total}`, stream: process.stderr, hideCursor: true, clearOnComplete: true },
    Presets.shades_classic,
  );
  let started = false;
  return {
    update(value, total) {
      if (!started) {
        bar.start(total, value);
        started = true;
      } else {
        bar.setTotal(total);
        bar.update(value);
      }
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}
