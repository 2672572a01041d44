import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { auditEventKey, AuditTrail } from '@lloyd/access';
import { MetricsService } from '@lloyd/observability';
import { connectRedis, quitRedis, RedisKeyValueStore } from '@lloyd/store';
import { describeWithRedis } from '@lloyd/test-support';
import { main as archiveMain } from './audit-archive.js';
import { main as verifyMain } from './audit-verify.js';

const DAY = 86_400_000;
const FIRST = Date.UTC(2026, 0, 1, 12);
const TODAY = new Date(Date.UTC(2026, 1, 1));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describeWithRedis('audit:archive CLI on Redis', (getUrl) => {
  let redis: Redis;
  let kv: RedisKeyValueStore;
  let dir: string;
  let recorded = 0;

  beforeAll(async () => {
    redis = await connectRedis(getUrl(), { name: 'audit-archive-test' });
  });

  beforeEach(async () => {
    await redis.flushdb();
    // The key layout the gateway uses: createStores puts key-value data under `<store.keyPrefix>kv:`.
    kv = new RedisKeyValueStore(redis, { keyPrefix: 'lloyd:kv:' });
    dir = mkdtempSync(join(tmpdir(), 'lloyd-audit-archive-'));
    recorded = 0;
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  afterAll(async () => {
    await quitRedis(redis);
  });

  /** Records `count` events, one a day from 2026-01-01 12:00Z on, as the gateway would. */
  async function recordDaily(count: number): Promise<void> {
    for (let i = 0; i < count; i++) {
      const day = recorded++;
      const trail = new AuditTrail(kv, new MetricsService({ defaultMetrics: false }), () => FIRST + day * DAY);
      await trail.record({
        kind: 'patient-access',
        interaction: 'search',
        who: { clientId: 'social-care', organisation: 'SC100' },
        correlationId: `req-${day}`,
        patient: '9990000026',
      });
    }
  }

  async function run(cli: typeof archiveMain, argv: string[], env: NodeJS.ProcessEnv = { REDIS_URL: getUrl() }) {
    const out: Run = { code: 0, stdout: '', stderr: '' };
    out.code = await cli(argv, {
      stdout: (t) => (out.stdout += t),
      stderr: (t) => (out.stderr += t),
      env,
      now: () => TODAY,
    });
    return out;
  }

  const archive = (before: string, file: string, env?: NodeJS.ProcessEnv) =>
    run(archiveMain, ['--before', before, '--out', join(dir, file)], env);
  const verify = (argv: string[]) => run(verifyMain, argv);

  it('archives the oldest events to a file that verifies on its own, and the store verifies from the checkpoint', async () => {
    await recordDaily(5);

    const first = await archive('2026-01-03', 'audit-1.ndjson');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(
      'Archived 2 events (1–2, recorded 2026-01-01T12:00:00.000Z to 2026-01-02T12:00:00.000Z)',
    );
    expect(first.stderr).toContain('audit:archive: 2 events written');
    const lines = readFileSync(join(dir, 'audit-1.ndjson'), 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(await kv.get(auditEventKey(1))).toBeNull();
    expect(await kv.get(auditEventKey(3))).not.toBeNull();
    expect(readdirSync(dir)).toEqual(['audit-1.ndjson']);

    const stored = await verify([]);
    expect(stored.code).toBe(0);
    expect(stored.stdout).toContain('Checked 3 events');
    expect(stored.stdout).toContain('Events 1–2 are archived');

    await recordDaily(1);
    const second = await archive('2026-01-05', 'audit-2.ndjson');
    expect(second.stdout).toContain('Archived 2 events (3–4');

    const files = await verify(['--archive', join(dir, 'audit-1.ndjson'), '--archive', join(dir, 'audit-2.ndjson')]);
    expect(files.code).toBe(0);
    expect(files.stdout).toMatch(/^OK: 4 archived events intact in 2 files: events 1–4/);
    const swapped = await verify(['--archive', join(dir, 'audit-2.ndjson'), '--archive', join(dir, 'audit-1.ndjson')]);
    expect(swapped.code).toBe(1);
    expect(swapped.stdout).toMatch(/^BROKEN at .*audit-1\.ndjson line 1: event 5 should come next/);
    await expect(verify([])).resolves.toMatchObject({ code: 0 });
  });

  it('writes a relative --out in the directory npm was run in (INIT_CWD), not the project folder', async () => {
    await recordDaily(3);
    const result = await run(archiveMain, ['--before', '2026-01-03', '--out', 'relative.ndjson'], {
      REDIS_URL: getUrl(),
      INIT_CWD: dir,
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`to ${join(dir, 'relative.ndjson')}.`);
    expect(result.stdout).toContain(`npm run -s audit:verify -- --archive ${join(dir, 'relative.ndjson')}`);
    expect(readFileSync(join(dir, 'relative.ndjson'), 'utf8').trimEnd().split('\n')).toHaveLength(2);
  });

  it('finds an archived event edited in its file', async () => {
    await recordDaily(3);
    await archive('2026-01-04', 'audit.ndjson');
    const file = join(dir, 'audit.ndjson');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/"SC100"/, '"RX1"'));
    const result = await verify(['--archive', file]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^BROKEN at .*audit\.ndjson line 1: event 1 does not match its hash/);
  });

  it('archives nothing, and writes no file, from a chain that does not hold', async () => {
    await recordDaily(3);
    const raw = (await kv.get(auditEventKey(2)))!;
    await kv.set(auditEventKey(2), raw.replace('"SC100"', '"RX1"'));
    const result = await archive('2026-01-04', 'audit.ndjson');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('nothing archived: the audit chain is broken at event 2');
    expect(readdirSync(dir)).toEqual([]);
    expect(await kv.get(auditEventKey(1))).not.toBeNull();
  });

  it('says so, and writes no file, when nothing was recorded before the date', async () => {
    await recordDaily(2);
    const result = await archive('2025-12-01', 'audit.ndjson');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Nothing to archive');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses bad requests with what to do, and touches nothing', async () => {
    await recordDaily(2);
    writeFileSync(join(dir, 'taken.ndjson'), 'kept');
    const cases: [string[], NodeJS.ProcessEnv | undefined, RegExp][] = [
      [
        ['--before', '2026-01-02', '--out', join(dir, 'taken.ndjson')],
        undefined,
        /exists; archives are never overwritten/,
      ],
      [['--before', '2026-02-30', '--out', join(dir, 'a')], undefined, /calendar date as YYYY-MM-DD/],
      [['--before', '2026-03-01', '--out', join(dir, 'a')], undefined, /is in the future/],
      [['--out', join(dir, 'a')], undefined, /--before is required/],
      [['--before', '2026-01-02'], undefined, /--out is required/],
      [['--before', '2026-01-02', '--out', join(dir, 'a')], {}, /REDIS_URL is not set/],
    ];
    for (const [argv, env, message] of cases) {
      const result = await run(archiveMain, argv, env ?? { REDIS_URL: getUrl() });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(message);
    }
    expect(readFileSync(join(dir, 'taken.ndjson'), 'utf8')).toBe('kept');
    expect(existsSync(join(dir, 'a'))).toBe(false);
    expect(await kv.get(auditEventKey(1))).not.toBeNull();
  });
});
