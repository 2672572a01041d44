import { OperationOutcomeError, outcomes, type AuditEvent } from '@lloyd/fhir';
import { InMemoryKeyValueStore, type ClaimOutcome } from '@lloyd/store';
import type { AccessDecision } from '../access-decision.js';
import { AccessDeniedError } from '../access-denied.js';
import {
  accessFixture,
  counterValue,
  emergencyToken,
  flags,
  metrics,
  NOW,
  tokenFor,
  type AccessFixture,
} from '../testing/fixtures.js';
import { r4Problems } from '../testing/r4.js';
import type { AuditEntry, PatientAccessEntry } from './audit-entry.js';
import { AUDIT_HEAD_KEY, auditEventKey } from './audit-keys.js';
import { AuditTrail } from './audit-trail.js';
import { chainLink, GENESIS_HASH, sealEvent } from './hash-chain.js';

const NHS = 'https://fhir.nhs.uk/Id/nhs-number';
const ODS = 'https://fhir.nhs.uk/Id/ods-organization-code';
const SDS = 'https://fhir.nhs.uk/Id/sds-user-id';

function read(overrides: Partial<PatientAccessEntry> = {}): PatientAccessEntry {
  return {
    kind: 'patient-access',
    interaction: 'operation',
    who: tokenFor('hospital-epr'),
    correlationId: 'req-1',
    request: 'POST /fhir/Patient/$gpc.getstructuredrecord',
    patient: '9990000018',
    practiceOds: 'P10001',
    requestedSections: ['allergies', 'medications'],
    ...overrides,
  };
}

function detail(event: AuditEvent, type: string): string | undefined {
  return event.entity?.flatMap((e) => e.detail ?? []).find((d) => d.type === type)?.valueString;
}

async function decisionFor(f: AccessFixture, emergency = false, dissent = false): Promise<AccessDecision> {
  const organisation = await f.chain.decideOrganisation({
    token: emergency ? emergencyToken('hospital-epr') : tokenFor('hospital-epr'),
    practiceOds: 'P10001',
    requestedSections: ['allergies', 'medications'],
    now: NOW,
  });
  return f.chain.decidePatient(organisation, flags({ dissent }), NOW);
}

describe('AuditTrail', () => {
  let f: AccessFixture;
  let kv: InMemoryKeyValueStore;

  beforeEach(() => {
    kv = new InMemoryKeyValueStore();
    f = accessFixture(undefined, kv);
  });

  describe('AuditEvent content', () => {
    it('records an allowed read as a valid R4 AuditEvent: who, which patient, the decision and the correlation id', async () => {
      const decision = await decisionFor(f);
      const event = await f.audit.record(
        read({ decision, resources: ['AllergyIntolerance/P10001-a1'], redactions: { allergies: 1, problems: 2 } }),
      );
      expect(r4Problems(event)).toEqual([]);
      expect(event).toMatchObject({
        resourceType: 'AuditEvent',
        type: { system: 'http://dicom.nema.org/resources/ontology/DCM', code: '110110' },
        subtype: [{ code: 'operation' }],
        action: 'R',
        outcome: '0',
        recorded: NOW.toISOString(),
        source: { observer: { display: 'Lloyd gateway' } },
        outcomeDesc: 'allowed under sharing agreement demo-hospital-all',
      });
      expect(event.agent.map((a) => [a.who?.identifier?.system, a.who?.identifier?.value, a.requestor])).toEqual([
        [SDS, 'G1234567', true],
        [ODS, 'RX1', false],
        ['https://fhir.lloyd.nhs.example/Id/client-id', 'hospital-epr', false],
      ]);
      const whats = event.entity?.map((e) => e.what?.identifier?.value ?? e.what?.reference);
      expect(whats).toEqual(['9990000018', 'P10001', 'demo-hospital-all', 'AllergyIntolerance/P10001-a1', 'req-1']);
      expect(event.entity?.[0]?.what?.identifier?.system).toBe(NHS);
      // A disclosed resource is named by its reference alone; the other entities carry a type and a role.
      expect(event.entity?.[3]).toEqual({ what: { reference: 'AllergyIntolerance/P10001-a1' } });
      expect(event.entity?.filter((e) => !e.what?.reference).every((e) => e.type && e.role)).toBe(true);
      expect(detail(event, 'granted-sections')).toBe('allergies,medications');
      expect(detail(event, 'requested-sections')).toBe('allergies,medications');
      expect(detail(event, 'redactions')).toBe('3 (allergies=1, problems=2)');
      expect(event.purposeOfEvent?.[0]?.coding?.[0]?.code).toBe('TREAT');
      expect(chainLink(event)).toMatchObject({ sequence: 1, previousHash: GENESIS_HASH });
    });

    it('records emergency access overriding dissent, with the reason text', async () => {
      const decision = await decisionFor(f, true, true);
      const event = await f.audit.record(read({ who: emergencyToken('hospital-epr'), decision }));
      expect(r4Problems(event)).toEqual([]);
      expect(detail(event, 'emergency-access')).toBe('true');
      expect(detail(event, 'dissent-overridden')).toBe('true');
      expect(detail(event, 'reason-text')).toBe('Unconscious in A&E, allergy history needed');
      expect(event.purposeOfEvent?.[0]?.coding?.[0]?.code).toBe('ETREAT');
      expect(event.outcomeDesc).toBe('allowed under sharing agreement demo-hospital-all (emergency access)');
    });

    it.each<[string, unknown, string, RegExp]>([
      [
        'a denial by the access chain as a minor failure (4)',
        AccessDeniedError.because('patient-dissent', 'NO_PATIENT_CONSENT', 'dissent text', 'dissent'),
        '4',
        /^denied by patient-dissent: dissent$/,
      ],
      [
        'a withheld patient as 4, with the real reason',
        AccessDeniedError.patientNotFound('patient withheld: deceased'),
        '4',
        /deceased/,
      ],
      ['a bad request as 4', outcomes.invalidNhsNumber('123'), '4', /^INVALID_NHS_NUMBER: /],
      ['a supplier outage as a serious failure (8)', outcomes.badGateway('P10001'), '8', /^BAD_GATEWAY: /],
      ['a bug as 8', new TypeError('x is undefined'), '8', /^TypeError: x is undefined$/],
    ])('records %s', async (_name, error, outcome, description) => {
      const event = await f.audit.record(read({ error }));
      expect(r4Problems(event)).toEqual([]);
      expect(event.outcome).toBe(outcome);
      expect(event.outcomeDesc).toMatch(description);
    });

    it('names the denying rule in a detail', async () => {
      const error = AccessDeniedError.because('no-sharing-agreement', 'NO_ORGANISATION_CONSENT', 'x');
      const event = await f.audit.record(read({ who: tokenFor('no-agreement'), error }));
      expect(detail(event, 'denied-by')).toBe('no-sharing-agreement');
      expect(event.agent[1]?.who?.identifier?.value).toBe('RZZ');
    });

    it('records a system request without a practitioner with the client as requestor', async () => {
      const event = await f.audit.record(read({ who: tokenFor('hospital-epr', { practitioner: undefined }) }));
      expect(r4Problems(event)).toEqual([]);
      expect(event.agent.filter((a) => a.requestor).map((a) => a.who?.identifier?.value)).toEqual(['hospital-epr']);
    });

    it('records admin changes as valid R4 AuditEvents', async () => {
      const entry: AuditEntry = {
        kind: 'admin-change',
        action: 'create',
        target: { type: 'SharingAgreement', id: 'new-deal' },
        value: { id: 'new-deal' },
        who: tokenFor('admin', { practitioner: undefined, reason: undefined }),
        correlationId: 'req-9',
        request: 'POST /admin/agreements',
      };
      const event = await f.audit.record(entry);
      expect(r4Problems(event)).toEqual([]);
      expect(event).toMatchObject({ action: 'C', outcome: '0', subtype: [{ code: 'create' }] });
      expect(event.entity?.[0]?.what?.identifier?.value).toBe('new-deal');
      expect(detail(event, 'value')).toBe('{"id":"new-deal"}');
    });
  });

  describe('hash chain', () => {
    async function recordMany(n: number, trail = f.audit): Promise<void> {
      for (let i = 0; i < n; i++) await trail.record(read({ correlationId: `req-${i}` }));
    }

    it('links each event to the previous one and verifies intact', async () => {
      await recordMany(3);
      const links = await Promise.all(
        [1, 2, 3].map(async (seq) => chainLink(JSON.parse((await kv.get(auditEventKey(seq)))!) as AuditEvent)!),
      );
      expect(links.map((l) => l.sequence)).toEqual([1, 2, 3]);
      expect(links[1]!.previousHash).toBe(links[0]!.hash);
      expect(links[2]!.previousHash).toBe(links[1]!.hash);
      await expect(f.audit.verify()).resolves.toEqual({ ok: true, checked: 3, head: 3, archivedThrough: 0 });
    });

    it('stores events for a served answer (a frozen list of resources) exactly as for any other, and verifies them', async () => {
      const served = Object.freeze(['AllergyIntolerance/a1', 'Condition/c1', 'MedicationStatement/m1']);
      const first = await f.audit.record(read({ correlationId: 'req-a', resources: served }));
      const second = await f.audit.record(read({ correlationId: 'req-b', resources: served }));
      const fresh = await f.audit.record(read({ correlationId: 'req-c', resources: [...served] }));
      // The entities of a frozen list are made once and shared; those of a list that may change are not.
      expect(second.entity?.[2]).toBe(first.entity?.[2]);
      expect(fresh.entity?.[2]).not.toBe(first.entity?.[2]);
      for (const [seq, event] of [first, second, fresh].entries()) {
        const stored = JSON.parse((await kv.get(auditEventKey(seq + 1)))!) as AuditEvent;
        expect(stored).toEqual(JSON.parse(JSON.stringify(event)));
        expect(stored.entity?.map((e) => e.what?.reference ?? e.what?.identifier?.value)).toEqual([
          '9990000018',
          'P10001',
          'AllergyIntolerance/a1',
          'Condition/c1',
          'MedicationStatement/m1',
          `req-${'abc'[seq]!}`,
        ]);
      }
      await expect(f.audit.verify()).resolves.toEqual({ ok: true, checked: 3, head: 3, archivedThrough: 0 });
    });

    it('verifies an empty trail', async () => {
      await expect(f.audit.verify()).resolves.toEqual({ ok: true, checked: 0, head: 0, archivedThrough: 0 });
    });

    it('detects an event whose JSON was edited in the store, at its sequence number', async () => {
      await recordMany(4);
      const raw = (await kv.get(auditEventKey(2)))!;
      await kv.set(auditEventKey(2), raw.replace('"G1234567"', '"G7654321"'));
      const report = await f.audit.verify();
      expect(report).toMatchObject({ ok: false, checked: 1, firstBreak: { seq: 2 } });
      expect(report.firstBreak?.reason).toMatch(/content was altered/);
    });

    it('detects an edited event whose hash was recomputed, at the next link', async () => {
      await recordMany(3);
      const event = JSON.parse((await kv.get(auditEventKey(2)))!) as AuditEvent;
      const link = chainLink(event)!;
      const forged = sealEvent({ ...event, outcome: '4' }, 2, link.previousHash);
      await kv.set(auditEventKey(2), forged.stored);
      const report = await f.audit.verify();
      expect(report.firstBreak).toEqual({
        seq: 3,
        reason: expect.stringMatching(/does not link to event 2/) as string,
      });
    });

    it('detects a deleted event, a replaced event and garbage', async () => {
      await recordMany(3);
      const second = (await kv.get(auditEventKey(2)))!;
      await kv.delete(auditEventKey(3));
      expect((await f.audit.verify()).firstBreak).toMatchObject({
        seq: 3,
        reason: expect.stringMatching(/missing/) as string,
      });
      await kv.set(auditEventKey(3), second);
      expect((await f.audit.verify()).firstBreak).toMatchObject({
        seq: 3,
        reason: expect.stringMatching(/says it is event 2/) as string,
      });
      await kv.set(auditEventKey(1), '{not json');
      expect((await f.audit.verify()).firstBreak).toMatchObject({
        seq: 1,
        reason: expect.stringMatching(/not valid JSON/) as string,
      });
    });

    it.each([
      ['audit:head', 'notjson', /head \(audit:head\) is not as Lloyd writes it/],
      ['audit:head', '{"seq":"3"}', /head \(audit:head\)/],
      ['audit:checkpoint', 'notjson', /archive checkpoint \(audit:checkpoint\)/],
      ['audit:checkpoint', 'null', /archive checkpoint \(audit:checkpoint\)/],
    ])('reports an altered %s (%s) as a break that says what to restore, not a crash', async (key, value, reason) => {
      await recordMany(2);
      await kv.set(key, value);
      const report = await f.audit.verify();
      expect(report).toMatchObject({ ok: false, checked: 0, firstBreak: { seq: 0 } });
      expect(report.firstBreak?.reason).toMatch(reason);
      expect(report.firstBreak?.reason).toMatch(/Restore audit:\w+ from a backup/);
    });

    it('fails closed rather than extend a chain it cannot place while the head is altered', async () => {
      await recordMany(2);
      await kv.set('audit:head', 'notjson');
      const fresh = accessFixture(undefined, kv).audit;
      await expect(fresh.record(read())).rejects.toMatchObject({ status: 500 });
    });

    it('reads the head once, then continues where it left off, until another writer moves it', async () => {
      let headReads = 0;
      class CountingStore extends InMemoryKeyValueStore {
        override get(key: string): Promise<string | null> {
          if (key === AUDIT_HEAD_KEY) headReads++;
          return super.get(key);
        }
      }
      const store = new CountingStore();
      const [one, other] = [
        new AuditTrail(store, metrics(), f.clock.now),
        new AuditTrail(store, metrics(), f.clock.now),
      ];
      for (let i = 0; i < 5; i++) await one.record(read({ correlationId: `one-${i}` }));
      expect(headReads).toBe(1);
      await other.record(read({ correlationId: 'other' }));
      // Its guess (event 6) is taken, so it reads the head, and the chain goes on unbroken.
      const next = await one.record(read({ correlationId: 'one-again' }));
      expect(chainLink(next)?.sequence).toBe(7);
      expect(headReads).toBe(3);
      await expect(one.verify()).resolves.toEqual({ ok: true, checked: 7, head: 7, archivedThrough: 0 });
    });

    it('keeps one valid chain under 50 concurrent writes from two replicas', async () => {
      const replica = new AuditTrail(kv, metrics(), f.clock.now);
      await Promise.all(
        Array.from({ length: 50 }, (_, i) => (i % 2 ? replica : f.audit).record(read({ correlationId: `req-${i}` }))),
      );
      await expect(f.audit.verify()).resolves.toEqual({ ok: true, checked: 50, head: 50, archivedThrough: 0 });
      const ids = await Promise.all(
        Array.from(
          { length: 50 },
          async (_, i) =>
            (JSON.parse((await kv.get(auditEventKey(i + 1)))!) as AuditEvent).entity?.at(-1)?.what?.identifier?.value,
        ),
      );
      expect(new Set(ids).size).toBe(50);
    });

    it('continues after a writer that claimed a number but died before moving the head', async () => {
      await recordMany(1);
      const head = JSON.parse((await kv.get(AUDIT_HEAD_KEY))!) as { hash: string };
      const orphan = sealEvent(
        { ...(JSON.parse((await kv.get(auditEventKey(1)))!) as AuditEvent), id: 'orphan' },
        2,
        head.hash,
      );
      await kv.setIfAbsent(auditEventKey(2), orphan.stored);
      const next = await f.audit.record(read({ correlationId: 'after-crash' }));
      expect(chainLink(next)?.sequence).toBe(3);
      await expect(f.audit.verify()).resolves.toEqual({ ok: true, checked: 3, head: 3, archivedThrough: 0 });
    });

    it('shows events the store lost under a running writer: the head follows the writer, and verify finds the gap', async () => {
      const registry = metrics();
      const trail = new AuditTrail(kv, registry, f.clock.now);
      for (let i = 0; i < 3; i++) await trail.record(read({ correlationId: `req-${i}` }));
      // The store loses its newest event and the head goes back with it (a failover that lost the last write).
      const lost = chainLink(JSON.parse((await kv.get(auditEventKey(3)))!) as AuditEvent)!;
      await kv.delete(auditEventKey(3));
      await kv.set(AUDIT_HEAD_KEY, JSON.stringify({ seq: 2, hash: lost.previousHash }));
      const after = await trail.record(read({ correlationId: 'after-loss' }));
      expect(chainLink(after)?.sequence).toBe(4);
      expect(JSON.parse((await kv.get(AUDIT_HEAD_KEY))!)).toMatchObject({ seq: 4 });
      await expect(trail.verify()).resolves.toMatchObject({
        ok: false,
        checked: 2,
        head: 4,
        firstBreak: { seq: 3, reason: expect.stringMatching(/missing/) as string },
      });
      const found = await trail.search({});
      expect(found.events.map((e) => e.id)).toEqual([after.id, expect.any(String), expect.any(String)]);
      expect(await counterValue(registry, 'lloyd_audit_chain_gaps_total', {})).toBe(1);
    });

    it('fails closed with a 500 when the store cannot take the event', async () => {
      class BrokenStore extends InMemoryKeyValueStore {
        override claim(): Promise<ClaimOutcome> {
          return Promise.reject(new Error('connection lost'));
        }
      }
      const m = metrics();
      const trail = new AuditTrail(new BrokenStore(), m, f.clock.now);
      const error: unknown = await trail.record(read({ correlationId: 'req-77' })).catch((err: unknown) => err);
      expect(error).toBeInstanceOf(OperationOutcomeError);
      expect((error as OperationOutcomeError).status).toBe(500);
      expect((error as OperationOutcomeError).message).toMatch(/refused the request .* correlation id req-77/);
      expect(await counterValue(m, 'lloyd_audit_write_failures_total', {})).toBe(1);
    });
  });

  describe('search', () => {
    beforeEach(async () => {
      const at = (iso: string) => (f.clock.millis = Date.parse(iso));
      at('2026-03-01T09:00:00Z');
      await f.audit.record(read({ correlationId: 'a', patient: '9990000018' }));
      at('2026-03-01T23:59:59.400Z');
      await f.audit.record(read({ correlationId: 'b', patient: '9990000026', who: tokenFor('social-care') }));
      at('2026-03-02T08:00:00Z');
      await f.audit.record(
        read({
          correlationId: 'c',
          patient: '9990000018',
          who: tokenFor('no-agreement'),
          error: AccessDeniedError.because('no-sharing-agreement', 'NO_ORGANISATION_CONSENT', 'x'),
        }),
      );
      at('2026-03-03T10:00:00Z');
      await f.audit.record(read({ correlationId: 'd', patient: '9990000018' }));
    });

    const ids = (events: AuditEvent[]) => events.map((e) => e.entity?.at(-1)?.what?.identifier?.value);

    it.each<[string, Parameters<AuditTrail['search']>[0], string[]]>([
      ['everything, newest first', {}, ['d', 'c', 'b', 'a']],
      ['by patient', { patient: '9990000018' }, ['d', 'c', 'a']],
      ['by patient with its system', { patient: `${NHS}|9990000026` }, ['b']],
      ['by organisation', { organisation: 'RX1' }, ['d', 'a']],
      ['by outcome', { outcome: '4' }, ['c']],
      ['by day', { date: '2026-03-01' }, ['b', 'a']],
      ['by range', { date: ['ge2026-03-01T12:00:00Z', 'le2026-03-02'] }, ['c', 'b']],
      ['before a day', { date: 'lt2026-03-02' }, ['b', 'a']],
      ['after a day', { date: 'gt2026-03-02' }, ['d']],
      ['patient and organisation', { patient: '9990000018', organisation: 'RZZ' }, ['c']],
      ['patient and outcome', { patient: '9990000018', outcome: '0' }, ['d', 'a']],
      ['an unknown patient', { patient: '9990000999' }, []],
      ['at a second (the whole second)', { date: '2026-03-01T23:59:59Z' }, ['b']],
      ['at a minute (the whole minute)', { date: '2026-03-01T23:59Z' }, ['b']],
      ['at a millisecond', { date: '2026-03-01T23:59:59.400Z' }, ['b']],
      ['at another millisecond', { date: '2026-03-01T23:59:59.401Z' }, []],
      ['from a second in another zone', { date: 'ge2026-03-02T09:00:00+01:00' }, ['d', 'c']],
    ])('%s', async (_name, query, expected) => {
      const result = await f.audit.search(query);
      expect(ids(result.events)).toEqual(expected);
      expect(result.total).toBe(expected.length);
    });

    it('pages with count and offset, keeping the total', async () => {
      const page = await f.audit.search({ count: 2, offset: 1 });
      expect(ids(page.events)).toEqual(['c', 'b']);
      expect(page.total).toBe(4);
      const filtered = await f.audit.search({ patient: '9990000018', outcome: '0', count: 1, offset: 1 });
      expect([ids(filtered.events), filtered.total]).toEqual([['a'], 2]);
    });

    it.each<[Parameters<AuditTrail['search']>[0], string]>([
      [{ date: 'yesterday' }, 'date'],
      [{ date: 'ne2026-03-01' }, 'date'],
      [{ outcome: '3' }, 'outcome'],
      [{ patient: 'urn:other|123' }, 'patient'],
      [{ count: -1 }, '_count'],
      [{ date: '2026-02-30' }, 'date'],
      [{ date: '2026-13' }, 'date'],
      [{ date: '2026-03-01T24:00:00Z' }, 'date'],
      [{ patient: '9990000018,9990000026' }, 'patient'],
      [{ organisation: 'RX1,RZZ' }, 'organisation'],
      [{ outcome: '0,4' }, 'outcome'],
    ])('refuses %j with 422 naming the parameter', async (query, parameter) => {
      const error: unknown = await f.audit.search(query).catch((err: unknown) => err);
      expect(error).toBeInstanceOf(OperationOutcomeError);
      expect((error as OperationOutcomeError).status).toBe(422);
      expect((error as OperationOutcomeError).outcome.issue[0]?.expression).toEqual([parameter]);
    });
  });
});
