import type { Redis } from 'ioredis';
import { KeyValueStore, type ClaimFollowUp, type ClaimOutcome, type SetOptions } from './ports.js';
import { LuaScript } from './redis-client.js';

// ARGV[1] = '1' when the key must be absent; ARGV[2] expected value; ARGV[3] next value; ARGV[4] TTL in ms (0: none).
const compareAndSetScript = new LuaScript(`
local current = redis.call('GET', KEYS[1])
if ARGV[1] == '1' then
  if current then return 0 end
elseif current ~= ARGV[2] then
  return 0
end
if tonumber(ARGV[4]) > 0 then
  redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4])
else
  redis.call('SET', KEYS[1], ARGV[3])
end
return 1
`);

// KEYS[1] the key to claim, KEYS[2] the compare-and-set key, KEYS[3..] lists. ARGV[1] the value; ARGV[2] '0' no
// compare-and-set, '1' expect absent, '2' expect ARGV[3]; ARGV[4] the next value; ARGV[5..] one item per list.
// Returns 0 taken, 1 claimed, 2 claimed with the compare-and-set skipped.
const claimScript = new LuaScript(`
if not redis.call('SET', KEYS[1], ARGV[1], 'NX') then return 0 end
local swapped = 1
if ARGV[2] ~= '0' then
  local current = redis.call('GET', KEYS[2])
  if (ARGV[2] == '1' and not current) or (ARGV[2] == '2' and current == ARGV[3]) then
    redis.call('SET', KEYS[2], ARGV[4])
  else
    swapped = 2
  end
end
for i = 3, #KEYS do
  redis.call('RPUSH', KEYS[i], ARGV[i + 2])
end
return swapped
`);

// The TTL applies only when this call created the counter, matching the port's contract.
const incrementScript = new LuaScript(`
local existed = redis.call('EXISTS', KEYS[1])
local value = redis.call('INCR', KEYS[1])
if existed == 0 and tonumber(ARGV[1]) > 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return value
`);

function ttlMs(options?: SetOptions): number {
  const seconds = options?.ttlSeconds ?? 0;
  return seconds > 0 ? Math.max(1, Math.round(seconds * 1000)) : 0;
}

/** Escapes glob metacharacters so a literal prefix can be used in a SCAN MATCH pattern. */
function globEscape(text: string): string {
  return text.replace(/[\\*?[\]]/g, '\\$&');
}

export interface RedisKeyValueStoreOptions {
  /** Namespace for every key this store touches, e.g. `lloyd:kv:`; callers never see it. */
  keyPrefix: string;
}

/**
 * {@link KeyValueStore} on Redis, shared by every gateway and worker replica. Compare-and-set and
 * create-with-TTL counters are Lua scripts, so each operation stays atomic across processes. The client is
 * borrowed, not owned: whoever created it closes it.
 */
export class RedisKeyValueStore extends KeyValueStore {
  private readonly prefix: string;

  constructor(
    private readonly redis: Redis,
    options: RedisKeyValueStoreOptions,
  ) {
    super();
    this.prefix = options.keyPrefix;
  }

  private k(key: string): string {
    return this.prefix + key;
  }

  get(key: string): Promise<string | null> {
    return this.redis.get(this.k(key));
  }

  async set(key: string, value: string, options?: SetOptions): Promise<void> {
    const ttl = ttlMs(options);
    if (ttl > 0) await this.redis.set(this.k(key), value, 'PX', ttl);
    else await this.redis.set(this.k(key), value);
  }

  async setIfAbsent(key: string, value: string, options?: SetOptions): Promise<boolean> {
    const ttl = ttlMs(options);
    const reply =
      ttl > 0
        ? await this.redis.set(this.k(key), value, 'PX', ttl, 'NX')
        : await this.redis.set(this.k(key), value, 'NX');
    return reply === 'OK';
  }

  async compareAndSet(key: string, expected: string | null, next: string, options?: SetOptions): Promise<boolean> {
    const reply = await compareAndSetScript.run(
      this.redis,
      [this.k(key)],
      [expected === null ? '1' : '0', expected ?? '', next, ttlMs(options)],
    );
    return Number(reply) === 1;
  }

  async claim(key: string, value: string, then: ClaimFollowUp = {}): Promise<ClaimOutcome> {
    const cas = then.compareAndSet;
    const lists = then.append ?? [];
    const reply = await claimScript.run(
      this.redis,
      [this.k(key), this.k(cas?.key ?? key), ...lists.map((l) => this.k(l.listKey))],
      [
        value,
        !cas ? '0' : cas.expected === null ? '1' : '2',
        cas?.expected ?? '',
        cas?.next ?? '',
        ...lists.map((l) => l.value),
      ],
    );
    return (['taken', 'claimed', 'claimed-unswapped'] as const)[Number(reply)] ?? 'taken';
  }

  async delete(key: string): Promise<void> {
    await this.redis.del(this.k(key));
  }

  async increment(key: string, options?: SetOptions): Promise<number> {
    return Number(await incrementScript.run(this.redis, [this.k(key)], [ttlMs(options)]));
  }

  async ttlMillis(key: string): Promise<number | null> {
    const ttl = await this.redis.pttl(this.k(key));
    // -2: no such key; -1: no expiry.
    return ttl >= 0 ? ttl : null;
  }

  append(listKey: string, value: string): Promise<number> {
    return this.redis.rpush(this.k(listKey), value);
  }

  range(listKey: string, start: number, stop: number): Promise<string[]> {
    return this.redis.lrange(this.k(listKey), start, stop);
  }

  async trimStart(listKey: string, count: number): Promise<void> {
    if (count > 0) await this.redis.ltrim(this.k(listKey), count, -1);
  }

  listLength(listKey: string): Promise<number> {
    return this.redis.llen(this.k(listKey));
  }

  async keys(prefix: string): Promise<string[]> {
    const pattern = `${globEscape(this.k(prefix))}*`;
    const found = new Set<string>();
    let cursor = '0';
    do {
      const [next, batch] = await this.redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      // SCAN may return a key more than once; the set dedupes.
      for (const key of batch) found.add(key.slice(this.prefix.length));
    } while (cursor !== '0');
    return [...found].sort();
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }
}
