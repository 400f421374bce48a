import { EXIT } from '../cli/exit-codes';

/**
 * What a command does on Ctrl-C (SIGINT) or SIGTERM: one line saying what was interrupted,
 * nothing else printed after it (no `read ECONNRESET` from queries cut short), the embedded
 * server released (stopped when no other command uses it), and exit 130 / 143.
 *
 * A migration cut short needs no cleanup here: it runs in a transaction that PostgreSQL rolls
 * back when the connection goes, and the migration lock is a session lock that goes with it.
 */
type Cleanup = () => Promise<void>;

const cleanups = new Set<Cleanup>();
let describeWork: () => string = () => 'the command';
let installed = false;
let described = false;
let interrupted = false;

/** Registers work to do before exiting on a signal; returns a function that unregisters it. */
export function onInterrupt(cleanup: Cleanup): () => void {
  cleanups.add(cleanup);
  return () => cleanups.delete(cleanup);
}

/** True once a signal arrived: output is muted and the process is on its way out. */
export function wasInterrupted(): boolean {
  return interrupted;
}

/**
 * Installs the handlers (once per process). `describe` says what was running, for the line
 * printed, such as `migration:run on PostgreSQL at 127.0.0.1:5432 (database "app")`.
 */
export function installInterruptHandlers(describe?: () => string): void {
  // The first description wins: the command's runner knows better than a DataSource file it loads.
  if (describe && !described) {
    describeWork = describe;
    described = true;
  }
  if (installed) return;
  installed = true;
  process.on('SIGINT', () => void handle('Ctrl-C (SIGINT)', EXIT.interrupted));
  process.on('SIGTERM', () => void handle('SIGTERM', EXIT.terminated));
}

async function handle(label: string, code: number): Promise<void> {
  if (interrupted) return; // a second Ctrl-C while cleaning up: keep cleaning up
  interrupted = true;
  process.stderr.write(
    `Interrupted by ${label}: stopped ${describeWork()}; a migration in progress, if any, is rolled back by the server (exit ${code})\n`,
  );
  muteOutput();
  // Connections ended under running queries fail in ways nobody waits for any more.
  process.on('uncaughtException', () => undefined);
  process.on('unhandledRejection', () => undefined);
  // Whatever the interrupted work does next (a query failing because its session was ended,
  // a CLI exiting 1 on that) must not pre-empt this exit code.
  const exit = process.exit.bind(process);
  process.exit = (() => undefined) as unknown as typeof process.exit;
  const deadline = new Promise<void>((resolve) => setTimeout(resolve, 15_000).unref());
  await Promise.race([Promise.allSettled([...cleanups].map((cleanup) => cleanup())), deadline]);
  exit(code);
}

/** Whatever the interrupted work still prints (errors of queries cut short) is noise now. */
function muteOutput(): void {
  const silent = ((_chunk: unknown, encoding?: unknown, callback?: unknown) => {
    const done = typeof encoding === 'function' ? encoding : callback;
    if (typeof done === 'function') (done as () => void)();
    return true;
  }) as typeof process.stdout.write;
  process.stdout.write = silent;
  process.stderr.write = silent;
}
