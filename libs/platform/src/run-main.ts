import { ConfigError } from '@lloyd/config';

/**
 * Runs an entry point: reports configuration errors plainly (exit 78, EX_CONFIG), and closes cleanly on SIGINT or
 * SIGTERM. `start` returns the function that shuts the process's work down.
 */
export async function runMain(name: string, start: () => Promise<() => Promise<void>>): Promise<void> {
  let stop: () => Promise<void>;
  try {
    stop = await start();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(
        `${name}: ${err.message}\nFix the configuration (config/default.yaml, LLOYD_CONFIG or the environment) and start again.`,
      );
      process.exit(78);
    }
    console.error(`${name}: failed to start:`, err);
    process.exit(1);
  }
  const shutdown = shutdownOnSignal({ name, stop, exit: (code) => process.exit(code) });
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

/** A repeat of the signal sooner than this after the first is the same stop request delivered twice. */
export const REPEAT_IGNORED_MS = 2_000;
/** A shutdown that has not finished after this long exits anyway, so a supervisor is never left waiting. */
export const SHUTDOWN_DEADLINE_MS = 30_000;

const SIGNAL_NUMBERS: Record<string, number> = { SIGINT: 2, SIGTERM: 15 };

export interface ShutdownOptions {
  name: string;
  stop: () => Promise<void>;
  exit: (code: number) => void;
  now?: () => number;
  log?: (message: string) => void;
  error?: (message: string, err?: unknown) => void;
  deadlineMs?: number;
}

/**
 * What SIGINT and SIGTERM do: the first starts a clean stop (requests in flight finish, jobs in progress end their
 * step) and exits 0 when it is done, or 1 when it fails or takes longer than the deadline. A terminal's Ctrl-C and a
 * service manager stopping a control group signal every process of the group, and `npm run` passes the signal on
 * too, so the same signal often arrives twice at once: a repeat within {@link REPEAT_IGNORED_MS} is ignored. A later
 * one means "stop now": the process exits at once with 128 + the signal's number, as if killed by it.
 */
export function shutdownOnSignal(options: ShutdownOptions): (signal: string) => void {
  const { name, stop, exit } = options;
  const now = options.now ?? Date.now;
  const log = options.log ?? ((message: string) => console.log(message));
  const error = options.error ?? ((message: string, err?: unknown) => console.error(message, ...(err ? [err] : [])));
  let startedAt: number | undefined;
  return (signal) => {
    if (startedAt !== undefined) {
      if (now() - startedAt < REPEAT_IGNORED_MS) return;
      error(`${name}: ${signal} received again, stopping now without finishing the shutdown`);
      exit(128 + (SIGNAL_NUMBERS[signal] ?? 0));
      return;
    }
    startedAt = now();
    log(`${name}: ${signal} received, shutting down (send it again to stop at once)`);
    const deadline = setTimeout(() => {
      error(`${name}: the shutdown did not finish within ${options.deadlineMs ?? SHUTDOWN_DEADLINE_MS} ms; exiting`);
      exit(1);
    }, options.deadlineMs ?? SHUTDOWN_DEADLINE_MS);
    deadline.unref();
    stop().then(
      () => {
        clearTimeout(deadline);
        exit(0);
      },
      (err: unknown) => {
        clearTimeout(deadline);
        error(`${name}: error while shutting down:`, err);
        exit(1);
      },
    );
  };
}
