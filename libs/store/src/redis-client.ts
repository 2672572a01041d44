import { createHash } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { Redis, type RedisOptions } from 'ioredis';

const logger = new Logger('Redis');

/** The URL without credentials, for messages and logs. */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return '(unparseable Redis URL)';
  }
}

/**
 * How long a command may wait for Redis (queued through a reconnect included) before it fails. Without it, a command
 * issued during an outage waits out every reconnect attempt (about 16–20 s) and the caller gets nothing better.
 */
export const REDIS_COMMAND_TIMEOUT_MS = 5000;

/**
 * True when `err` says Redis did not answer (a command timed out, the connection is closed or gave up reconnecting):
 * the store is unavailable, which callers answer with 503, not an unexpected fault of their own.
 */
export function isStoreUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err.name === 'MaxRetriesPerRequestError') return true;
  return /^(Command timed out|Connection is closed|Stream isn't writeable)/.test(err.message);
}

/** True when Redis refused a write because it is at its `maxmemory` limit (with `noeviction`, as production runs). */
export function isStoreFull(err: unknown): boolean {
  return err instanceof Error && err.message.startsWith('OOM command not allowed');
}

/** What operators should do about a full store. */
export const STORE_FULL_ADVICE =
  "Lloyd's store (Redis) is full: it refuses writes at its maxmemory limit. Operators: raise maxmemory, archive the " +
  'audit trail (audit:archive) and lower gp2gp.fileRetentionMs; nothing stored has been lost.';

export interface RedisClientOptions {
  /** Shown in `CLIENT LIST` as `lloyd:<name>`. */
  name: string;
  /** BullMQ workers block on Redis and need commands to wait out reconnects instead of failing. */
  blocking?: boolean;
  /** Extra ioredis options (tests use this for fast failure). */
  overrides?: Partial<RedisOptions>;
}

/**
 * Creates an ioredis client and waits until it is connected. Fails fast, with what to do next, when Redis cannot be
 * reached, instead of queueing commands forever.
 */
export async function connectRedis(url: string, options: RedisClientOptions): Promise<Redis> {
  let established = false;
  const client = new Redis(url, {
    lazyConnect: true,
    connectionName: `lloyd:${options.name}`,
    maxRetriesPerRequest: options.blocking ? null : 3,
    ...(options.blocking ? {} : { commandTimeout: REDIS_COMMAND_TIMEOUT_MS }),
    // No retries until the first connection succeeded, so start-up fails at once and leaves no timers behind;
    // afterwards ioredis 6's default curve (exponential, capped at 5 s, with jitter).
    retryStrategy: (times) =>
      established ? Math.min(2 ** (times - 1) * 50, 5000) + Math.floor(Math.random() * 200) : null,
    ...options.overrides,
  });
  let lastError: Error | undefined;
  const onError = (error: Error): void => {
    lastError = error;
  };
  client.on('error', onError);
  try {
    await client.connect();
    established = true;
  } catch (error) {
    const reason = (lastError ?? (error instanceof Error ? error : new Error(String(error)))).message;
    throw new Error(
      `Cannot connect to Redis at ${redactRedisUrl(url)} (${reason}). ` +
        'Start Redis there or correct REDIS_URL (store.redisUrl).',
      { cause: error },
    );
  } finally {
    client.off('error', onError);
  }
  let reported = false;
  client.on('error', (error: Error) => {
    // One line per outage, not one per reconnect attempt.
    if (reported) return;
    reported = true;
    logger.warn(`Redis connection "${options.name}" to ${redactRedisUrl(url)} failed: ${error.message}; retrying`);
  });
  client.on('ready', () => {
    if (reported) logger.log(`Redis connection "${options.name}" restored`);
    reported = false;
  });
  return client;
}

/** Closes a client politely, falling back to a hard disconnect when Redis is unreachable. */
export async function quitRedis(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  try {
    await client.quit();
  } catch {
    client.disconnect();
  }
}

/** A Lua script run by SHA (EVALSHA), loading it on first use or after a server restart (NOSCRIPT). */
export class LuaScript {
  private readonly sha: string;

  constructor(private readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(client: Redis, keys: string[], args: (string | number)[]): Promise<unknown> {
    try {
      return await client.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return client.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}
