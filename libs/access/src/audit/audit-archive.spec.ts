import type { AuditEvent } from '@lloyd/fhir';
import { InMemoryKeyValueStore } from '@lloyd/store';
import { metrics, NOW, TestClock, tokenFor } from '../testing/fixtures.js';
import {
  ArchiveNotRecordedError,
  ArchiveVerifier,
  AuditArchive,
  AuditChainBrokenError,
  type ArchiveSink,
} from './audit-archive.js';
import { AUDIT_CHECKPOINT_KEY, auditEventKey } from './audit-keys.js';
import { AuditTrail } from './audit-trail.js';
import { chainLink } from './hash-chain.js';

const HOUR = 3_600_000;
const at = (hours: number) => new Date(NOW.getTime() + hours * HOUR);

/** A sink that keeps what it is given, and whether it was committed. */
class MemorySink implements ArchiveSink {
  lines: string[] = [];
  committed = false;
  constructor(private readonly onCommit?: () => Promise<void>) {}
  write(stored: readonly string[]): Promise<void> {
    this.lines.push(...stored);
    return Promise.resolve();
  }
  async commit(): Promise<void> {
    this.committed = true;
    await this.onCommit?.();
  }
}

/** A store whose deletes fail while `failDeletes` is set. */
class FlakyStore extends InMemoryKeyValueStore {
  failDeletes = false;
  override delete(key: string): Promise<void> {
    return this.failDeletes ? Promise.reject(new Error('connection lost')) : super.delete(key);
  }
}

describe('AuditArchive', () => {
  let kv: FlakyStore;
  let clock: TestClock;
  let trail: AuditTrail;
  let archive: AuditArchive;

  beforeEach(() => {
    kv = new FlakyStore();
    clock = new TestClock();
    trail = new AuditTrail(kv, metrics(), clock.now);
    archive = new AuditArchive(kv);
  });

  /** One event an hour from NOW: event n is recorded at NOW + (n - 1) hours, for patients A and B in turn. */
  async function recordHourly(count: number): Promise<void> {
    for (let i = 0; i < count; i++) {
      await trail.record({
        kind: 'patient-access',
        interaction: 'operation',
        who: tokenFor('hospital-epr'),
        correlationId: `req-${i}`,
        patient: i % 2 === 0 ? '9990000018' : '9990000026',
        practiceOds: 'P10001',
      });
      clock.advance(HOUR);
    }
  }

  it('moves the events recorded before the cut-off, exactly as stored, and the stored chain starts after them', async () => {
    await recordHourly(6);
    const stored = await Promise.all([1, 2, 3].map((seq) => kv.get(auditEventKey(seq))));
    const sink = new MemorySink();

    const result = await archive.archive({ before: at(2.5), sink });

    expect(result).toMatchObject({ archived: 3, from: 1, through: 3, finishedEarlierRun: false });
    expect(result.firstRecorded).toBe(NOW.toISOString());
    expect(result.lastRecorded).toBe(at(2).toISOString());
    expect(sink.lines).toEqual(stored);
    expect(sink.committed).toBe(true);
    expect(result.hash).toBe(chainLink(JSON.parse(stored[2]!) as AuditEvent)!.hash);
    for (const seq of [1, 2, 3]) expect(await kv.get(auditEventKey(seq))).toBeNull();
    expect(await kv.get(auditEventKey(4))).not.toBeNull();
    expect(JSON.parse((await kv.get(AUDIT_CHECKPOINT_KEY))!)).toMatchObject({
      seq: 3,
      hash: result.hash,
      from: 1,
      pruned: true,
    });

    await expect(trail.verify()).resolves.toEqual({
      ok: true,
      checked: 3,
      head: 6,
      archivedThrough: 3,
      archivedHash: result.hash,
    });
  });

  it('prunes the indexes, so searches count and return only the stored events', async () => {
    await recordHourly(6);
    await archive.archive({ before: at(2.5), sink: new MemorySink() });

    expect(await kv.range('audit:index:patient:9990000018', 0, -1)).toEqual(['5']);
    expect(await kv.range('audit:index:patient:9990000026', 0, -1)).toEqual(['4', '6']);
    expect(await kv.range('audit:index:organisation:RX1', 0, -1)).toEqual(['4', '5', '6']);
    const all = await trail.search({});
    expect(all.total).toBe(3);
    expect(all.events.map((e) => chainLink(e)!.sequence)).toEqual([6, 5, 4]);
    const forPatient = await trail.search({ patient: '9990000026' });
    expect(forPatient.total).toBe(2);
  });

  it('prunes indexes longer than one page', async () => {
    await recordHourly(450);
    const result = await archive.archive({ before: at(300.5), sink: new MemorySink() });
    expect(result).toMatchObject({ archived: 301, through: 301 });
    const organisation = await kv.range('audit:index:organisation:RX1', 0, -1);
    expect(organisation).toEqual(Array.from({ length: 149 }, (_, i) => String(302 + i)));
    expect((await kv.range('audit:index:patient:9990000018', 0, 0))[0]).toBe('303');
    expect((await trail.search({})).total).toBe(149);
  });

  it('keeps the chain going: later events link to the archived ones, and a second archive follows on', async () => {
    await recordHourly(4);
    const first = new MemorySink();
    await archive.archive({ before: at(1.5), sink: first });
    await recordHourly(2);
    const second = new MemorySink();
    const result = await archive.archive({ before: at(4.5), sink: second });

    expect(result).toMatchObject({ archived: 3, from: 3, through: 5 });
    await expect(trail.verify()).resolves.toMatchObject({ ok: true, checked: 1, head: 6, archivedThrough: 5 });
    const verifier = new ArchiveVerifier();
    for (const line of [...first.lines, ...second.lines]) expect(verifier.check(line)).toBeUndefined();
    expect(verifier).toMatchObject({ checked: 5, from: 1, through: 5, hash: result.hash });
  });

  it('writes nothing and leaves the store alone when nothing was recorded before the cut-off', async () => {
    await recordHourly(3);
    const sink = new MemorySink();
    await expect(archive.archive({ before: at(-1), sink })).resolves.toEqual({
      archived: 0,
      finishedEarlierRun: false,
    });
    expect(sink.lines).toEqual([]);
    expect(sink.committed).toBe(false);
    expect(await kv.get(AUDIT_CHECKPOINT_KEY)).toBeNull();
    await expect(trail.verify()).resolves.toMatchObject({ ok: true, checked: 3 });
  });

  it('archives nothing from a broken chain', async () => {
    await recordHourly(4);
    const raw = (await kv.get(auditEventKey(2)))!;
    await kv.set(auditEventKey(2), raw.replace('"RX1"', '"RZZ"'));
    const sink = new MemorySink();

    const error = await archive.archive({ before: at(10), sink }).catch((err: unknown) => err);

    expect(error).toBeInstanceOf(AuditChainBrokenError);
    expect((error as AuditChainBrokenError).seq).toBe(2);
    expect(sink.committed).toBe(false);
    expect(await kv.get(AUDIT_CHECKPOINT_KEY)).toBeNull();
    expect(await kv.get(auditEventKey(1))).not.toBeNull();
  });

  it('refuses when a missing event leaves a gap below the head', async () => {
    await recordHourly(3);
    await kv.delete(auditEventKey(2));
    await expect(archive.archive({ before: at(10), sink: new MemorySink() })).rejects.toThrow(
      /broken at event 2: event 2 is missing/,
    );
  });

  it('does not record its archive when another run moved the checkpoint meanwhile', async () => {
    await recordHourly(3);
    const sink = new MemorySink(() => kv.set(AUDIT_CHECKPOINT_KEY, '{"moved":"by another run"}'));

    const error = await archive.archive({ before: at(10), sink }).catch((err: unknown) => err);

    expect(error).toBeInstanceOf(ArchiveNotRecordedError);
    expect((error as ArchiveNotRecordedError).conflict).toBe(true);
    expect(await kv.get(auditEventKey(1))).not.toBeNull();
  });

  it('reports events it could not remove, which verification ignores and the next run removes', async () => {
    await recordHourly(4);
    kv.failDeletes = true;
    const result = await archive.archive({ before: at(1.5), sink: new MemorySink() });
    kv.failDeletes = false;

    expect(result).toMatchObject({ archived: 2, through: 2, pruneError: 'connection lost' });
    expect(await kv.get(auditEventKey(1))).not.toBeNull();
    await expect(trail.verify()).resolves.toMatchObject({ ok: true, checked: 2, archivedThrough: 2 });
    expect((await trail.search({})).total).toBe(2);

    const next = await archive.archive({ before: at(-1), sink: new MemorySink() });
    expect(next).toEqual({ archived: 0, finishedEarlierRun: true });
    expect(await kv.get(auditEventKey(1))).toBeNull();
    expect(await kv.get(auditEventKey(2))).toBeNull();
    expect(JSON.parse((await kv.get(AUDIT_CHECKPOINT_KEY))!)).toMatchObject({ seq: 2, pruned: true });
  });
});

describe('ArchiveVerifier', () => {
  async function archivedLines(count: number): Promise<string[]> {
    const kv = new InMemoryKeyValueStore();
    const trail = new AuditTrail(kv, metrics(), () => NOW.getTime());
    for (let i = 0; i < count; i++) {
      await trail.record({
        kind: 'patient-access',
        interaction: 'search',
        who: tokenFor('social-care'),
        correlationId: `req-${i}`,
        patient: '9990000026',
      });
    }
    const sink = new MemorySink();
    await new AuditArchive(kv).archive({ before: new Date(NOW.getTime() + 1), sink });
    return sink.lines;
  }

  const checkAll = (lines: string[]) => {
    const verifier = new ArchiveVerifier();
    for (const [i, line] of lines.entries()) {
      const problem = verifier.check(line);
      if (problem) return { line: i + 1, problem };
    }
    return { checked: verifier.checked };
  };

  it('accepts an intact archive, including one that starts after an earlier archive', async () => {
    const lines = await archivedLines(4);
    expect(checkAll(lines)).toEqual({ checked: 4 });
    expect(checkAll(lines.slice(2))).toEqual({ checked: 2 });
  });

  it('finds an edited event, a dropped event, reordered events and lines that are not events', async () => {
    const lines = await archivedLines(4);
    expect(checkAll([lines[0]!, lines[1]!.replace('"SC100"', '"RX1"'), lines[2]!])).toMatchObject({
      line: 2,
      problem: expect.stringMatching(/content was altered/) as string,
    });
    expect(checkAll([lines[0]!, lines[2]!])).toEqual({
      line: 2,
      problem: 'event 2 should come next, but the line holds event 3: events are missing or out of order',
    });
    expect(checkAll([lines[1]!, lines[0]!])).toMatchObject({ line: 2 });
    expect(checkAll([lines[0]!, 'not json'])).toMatchObject({
      line: 2,
      problem: expect.stringMatching(/not valid JSON/) as string,
    });
    expect(checkAll(['{"resourceType":"Patient"}'])).toMatchObject({ line: 1 });
  });

  it('requires event 1 to start from the genesis hash', async () => {
    const lines = await archivedLines(2);
    const forged = JSON.parse(lines[0]!) as { extension: { extension: { url: string; valueString?: string }[] }[] };
    forged.extension[0]!.extension[1]!.valueString = 'f'.repeat(64);
    expect(checkAll([JSON.stringify(forged)])).toMatchObject({ line: 1 });
  });
});
