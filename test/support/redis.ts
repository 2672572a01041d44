import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createConnection } from 'node:net';
import { freePort } from './ports.js';

/** A private `redis-server` started for one test suite. */
export interface RedisServer {
  /** `redis://127.0.0.1:<port>` */
  url: string;
  /** Kills the server and waits for the process to exit. */
  stop(): Promise<void>;
}

const MISSING_MESSAGE = 'redis-server not found; install it (apt-get install -y redis-server) or unset REQUIRE_REDIS';
const START_TIMEOUT_MS = 10_000;

let available: boolean | undefined;

/** True when a `redis-server` binary is on PATH (checked once per test file). */
export function redisAvailable(): boolean {
  available ??= spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).error === undefined;
  return available;
}

/** One inline PING over a raw socket, so the helper depends on no Redis client. */
function pingOnce(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (data: Buffer) => {
      reply += data.toString('latin1');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function waitForPing(child: ChildProcess, port: number, output: () => string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`redis-server exited with code ${child.exitCode} before answering PING:\n${output()}`);
    }
    if (await pingOnce(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`redis-server did not answer PING on port ${port} within ${START_TIMEOUT_MS} ms:\n${output()}`);
}

/**
 * Starts a throwaway `redis-server` on a free loopback port, without persistence, and resolves once it answers PING.
 * Retries on another port if the chosen one was taken in between.
 */
export async function startRedis(): Promise<RedisServer> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const child = spawn(
      'redis-server',
      ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    const collect = (data: Buffer): void => {
      output = (output + data.toString('utf8')).slice(-4000);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    const spawnError = new Promise<never>((_, reject) => child.once('error', reject));
    try {
      await Promise.race([waitForPing(child, port, () => output), spawnError]);
    } catch (error) {
      lastError = error;
      child.kill('SIGKILL');
      await exited(child);
      continue;
    }
    spawnError.catch(() => undefined);
    return {
      url: `redis://127.0.0.1:${port}`,
      async stop() {
        const exit = exited(child);
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exit;
        clearTimeout(timer);
      },
    };
  }
  throw lastError instanceof Error ? lastError : new Error(String(lastError));
}

/**
 * Declares a suite that needs a real Redis. A private `redis-server` is started in `beforeAll` and stopped in
 * `afterAll`; `fn` receives a getter for its URL (valid inside hooks and tests). Without `redis-server` on PATH the
 * suite is skipped with a loud warning, or fails when `REQUIRE_REDIS=1` (as CI sets it).
 */
export function describeWithRedis(title: string, fn: (getUrl: () => string) => void): void {
  if (!redisAvailable() && process.env['REQUIRE_REDIS'] !== '1') {
    console.warn(
      [
        '',
        '='.repeat(78),
        `  SKIPPING "${title}": redis-server is not on PATH.`,
        '  Install it (apt-get install -y redis-server) to run the Redis integration tests;',
        '  set REQUIRE_REDIS=1 to make this a failure instead of a skip.',
        '='.repeat(78),
        '',
      ].join('\n'),
    );
    // eslint-disable-next-line jest/no-disabled-tests -- the announced skip when Redis is unavailable
    describe.skip(title, () => {
      fn(() => '');
    });
    return;
  }

  describe(title, () => {
    let server: RedisServer | undefined;
    beforeAll(async () => {
      // With REQUIRE_REDIS=1 a missing binary fails every test of the suite with this message.
      if (!redisAvailable()) throw new Error(MISSING_MESSAGE);
      server = await startRedis();
    });
    fn(() => {
      if (!server) throw new Error('Redis is not running: use the URL inside a hook or test, not at collection time');
      return server.url;
    });
    // Declared after the suite's own hooks so that their afterAll (closing clients) runs while Redis is still up.
    afterAll(async () => {
      await server?.stop();
    });
  });
}
