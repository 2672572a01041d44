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
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${name}: ${signal} received, shutting down`);
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(`${name}: error while shutting down:`, err);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}
