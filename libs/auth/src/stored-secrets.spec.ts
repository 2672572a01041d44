import { Test } from '@nestjs/testing';
import { ConfigModule, loadConfig } from '@lloyd/config';
import { MetricsService } from '@lloyd/observability';
import { InMemoryKeyValueStore, KeyValueStore } from '@lloyd/store';
import { AuthModule } from './auth.module.js';
import { StoredSecrets, type StoredSecretSpec } from './stored-secrets.js';
import { TestStoreModule } from './testing/nest.js';

const KEY = 'test:secret';

/** A secret whose stored text is its value; values `bad…` are unusable. */
function spec(made: string, onChange?: (value: string) => void): StoredSecretSpec<string> {
  return {
    key: KEY,
    label: 'test-key',
    description: 'The test key',
    consequence: 'what it sealed before is lost',
    create: () => made,
    parse: (text) => {
      if (text.startsWith('bad')) throw new Error('unusable');
      return text;
    },
    ...(onChange ? { onChange } : {}),
  };
}

/** Counts reads, to show when the store is (not) asked. */
class CountingStore extends InMemoryKeyValueStore {
  reads = 0;
  override get(key: string): Promise<string | null> {
    this.reads++;
    return super.get(key);
  }
}

function logger() {
  const lines: { level: string; fields: object; message: string }[] = [];
  const log = (level: string) => (fields: object, message: string) => lines.push({ level, fields, message });
  return { lines, warn: log('warn'), error: log('error'), debug: log('debug') };
}

async function changes(metrics: MetricsService): Promise<Record<string, number>> {
  const metric = await metrics.registry.getSingleMetric('lloyd_stored_secret_changes_total')?.get();
  return Object.fromEntries((metric?.values ?? []).map((v) => [`${v.labels.secret}:${v.labels.outcome}`, v.value]));
}

const until = async (done: () => boolean | Promise<boolean>, what: string): Promise<void> => {
  const deadline = Date.now() + 10_000;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

describe('StoredSecrets', () => {
  it('makes the secret once: every replica on the store uses the first one made', async () => {
    const store = new InMemoryKeyValueStore();
    const [a, b] = await Promise.all([
      new StoredSecrets(store).keep(spec('made-by-a')),
      new StoredSecrets(store).keep(spec('made-by-b')),
    ]);
    expect(b.value).toBe(a.value);
    expect(await store.get(KEY)).toBe(a.value);
  });

  it("adopts the store's copy when another replica replaced it, with one warning and a count", async () => {
    const store = new InMemoryKeyValueStore();
    const metrics = new MetricsService({ defaultMetrics: false });
    const log = logger();
    const seen: string[] = [];
    const secrets = new StoredSecrets(store, { metrics, logger: log as never });
    const kept = await secrets.keep(spec('first', (value) => seen.push(value)));
    // The store is emptied and a restarted replica makes its own secret before this one notices.
    await store.delete(KEY);
    await new StoredSecrets(store).keep(spec('second'));

    await secrets.checkAll();
    await secrets.checkAll();

    expect(kept.value).toBe('second');
    expect(seen).toEqual(['second']);
    expect(log.lines).toEqual([
      {
        level: 'warn',
        fields: { secret: 'test-key', storeKey: KEY },
        message: 'The test key in the store changed: adopting it; what it sealed before is lost',
      },
    ]);
    expect(await changes(metrics)).toEqual({ 'test-key:adopted': 1 });
  });

  it('writes its own copy back when the store lost it, so a replica starting later adopts it', async () => {
    const store = new InMemoryKeyValueStore();
    const metrics = new MetricsService({ defaultMetrics: false });
    const log = logger();
    const secrets = new StoredSecrets(store, { metrics, logger: log as never });
    const kept = await secrets.keep(spec('first'));
    await store.delete(KEY);

    await secrets.checkAll();

    expect(await store.get(KEY)).toBe('first');
    expect((await new StoredSecrets(store).keep(spec('second'))).value).toBe('first');
    expect(kept.value).toBe('first');
    expect(log.lines.map((l) => [l.level, l.message])).toEqual([
      ['warn', "The test key was missing from the store (emptied or replaced): wrote this replica's copy back"],
    ]);
    expect(await changes(metrics)).toEqual({ 'test-key:restored': 1 });
  });

  it('keeps the secret in use when the store holds an unusable one, and says so once', async () => {
    const store = new InMemoryKeyValueStore();
    const log = logger();
    const secrets = new StoredSecrets(store, { logger: log as never });
    const kept = await secrets.keep(spec('first'));
    await store.set(KEY, 'bad-one');

    await secrets.checkAll();
    await secrets.checkAll();

    expect(kept.value).toBe('first');
    expect(log.lines.map((l) => [l.level, l.message])).toEqual([
      ['error', 'The test key in the store changed to something unusable: keeping the one in use'],
    ]);
  });

  it('refuses to start on an unusable stored secret', async () => {
    const store = new InMemoryKeyValueStore();
    await store.set(KEY, 'bad-one');
    await expect(new StoredSecrets(store).keep(spec('first'))).rejects.toThrow('unusable');
  });

  it('re-reads on demand only when checks are on, and at most once a second', async () => {
    const store = new CountingStore();
    let now = 1_000_000;
    const off = await new StoredSecrets(store, { clock: () => now }).keep(spec('first'));
    const on = await new StoredSecrets(store, { checkIntervalMs: 60_000, clock: () => now }).keep(spec('other'));
    await store.set(KEY, 'second');
    const reads = store.reads;

    now += 999;
    expect(await on.recheck()).toBe(false);
    expect(await off.recheck()).toBe(false);
    expect(store.reads).toBe(reads);
    now += 1;
    expect(await on.recheck()).toBe(true);
    expect(await on.recheck()).toBe(false);
    expect(store.reads).toBe(reads + 1);
    expect([on.value, off.value]).toEqual(['second', 'first']);
  });

  it('checks on its own every interval, and stops when the module is destroyed', async () => {
    const store = new CountingStore();
    const secrets = new StoredSecrets(store, { checkIntervalMs: 5 });
    const kept = await secrets.keep(spec('first'));
    await store.set(KEY, 'second');

    await until(() => kept.value === 'second', 'the interval check adopted the new secret');
    secrets.onModuleDestroy();
    // A check already under way may still finish; none starts after it.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const reads = store.reads;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(store.reads).toBe(reads);
  });

  describe('in AuthModule', () => {
    const moduleWith = async (redisUrl?: string) => {
      const config = loadConfig({ env: {}, overrides: redisUrl ? { store: { redisUrl } } : {} });
      const app = await Test.createTestingModule({
        imports: [ConfigModule.forRoot(config), TestStoreModule, AuthModule],
      }).compile();
      await app.init();
      return app;
    };

    it('never re-reads on the in-process store, which cannot lose data under a running process', async () => {
      const app = await moduleWith();
      const kept = await app.get(StoredSecrets).keep(spec('first'));
      await app.get(KeyValueStore).set(KEY, 'second');
      expect(await kept.recheck()).toBe(false);
      expect(kept.value).toBe('first');
      await app.close();
    });

    it('re-reads on a shared store, and stops when the application closes', async () => {
      const app = await moduleWith('redis://127.0.0.1:6399');
      const now = Date.now();
      const kept = await app.get(StoredSecrets).keep(spec('first'));
      await app.get(KeyValueStore).set(KEY, 'second');
      await until(() => Date.now() - now > 1_000, 'the on-demand cooldown passed');
      expect(await kept.recheck()).toBe(true);
      await app.close();
      await app.get(KeyValueStore).set(KEY, 'third');
      expect(await kept.recheck()).toBe(false);
    });
  });
});
