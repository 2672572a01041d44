import { auditEventKey } from '@lloyd/access';
import { KeyValueStore } from '@lloyd/store';
import { startLloyd, type RunningLloyd } from '../support/lloyd.js';

const NHS = 'https://fhir.nhs.uk/Id/nhs-number';
const CORRELATION = 'https://fhir.lloyd.nhs.example/Id/correlation-id';

describe('audit trail end to end', () => {
  let lloyd: RunningLloyd;

  beforeAll(async () => {
    lloyd = await startLloyd();
  });
  afterAll(() => lloyd?.close());

  const search = async (client: 'hospital-epr' | 'no-agreement', nhs: string, requestId: string) => {
    const token = await lloyd.token(client, { practitioner: 'G1234567' });
    const res = await fetch(`${lloyd.base}/fhir/Patient?identifier=${encodeURIComponent(`${NHS}|${nhs}`)}`, {
      headers: { authorization: `Bearer ${token}`, 'x-request-id': requestId },
    });
    return res.status;
  };

  const auditEvents = async (query: string) => {
    const token = await lloyd.token('auditor');
    const res = await fetch(`${lloyd.base}/fhir/AuditEvent?${query}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    const bundle = (await res.json()) as fhir4.Bundle;
    return (bundle.entry ?? [])
      .map((e) => e.resource as fhir4.AuditEvent)
      .filter((e) => e.resourceType === 'AuditEvent');
  };

  const byCorrelation = (events: fhir4.AuditEvent[], id: string) =>
    events.filter((e) =>
      e.entity?.some((x) => x.what?.identifier?.system === CORRELATION && x.what.identifier.value === id),
    );

  it('writes exactly one event per request, allowed or denied, with its outcome', async () => {
    expect(await search('hospital-epr', '9990000018', 'audit-allowed-1')).toBe(200);
    expect(await search('hospital-epr', '9990000050', 'audit-dissent-1')).toBe(403);
    expect(await search('no-agreement', '9990000018', 'audit-no-agreement-1')).toBe(403);
    const events = await auditEvents('_count=100');
    const allowed = byCorrelation(events, 'audit-allowed-1');
    const dissent = byCorrelation(events, 'audit-dissent-1');
    const noAgreement = byCorrelation(events, 'audit-no-agreement-1');
    expect([allowed.length, dissent.length, noAgreement.length]).toEqual([1, 1, 1]);
    expect(allowed[0]!.outcome).toBe('0');
    expect(dissent[0]!.outcome).not.toBe('0');
    expect(noAgreement[0]!.outcome).not.toBe('0');
    expect(JSON.stringify(allowed[0])).toContain('demo-hospital-all');
    expect(JSON.stringify(dissent[0])).toMatch(/dissent/i);
    expect(JSON.stringify(allowed[0])).toContain('RX1');
  });

  it('records the refusal when a search answers a patient it may not show as if there were none', async () => {
    // 9990000085 is sensitive (S-flag): the search answers an empty Bundle, exactly as for an unknown patient.
    expect(await search('hospital-epr', '9990000085', 'audit-sensitive-1')).toBe(200);
    const [event, ...more] = byCorrelation(await auditEvents('_count=100'), 'audit-sensitive-1');
    expect(more).toEqual([]);
    expect(event?.outcome).not.toBe('0');
    expect(event?.outcomeDesc).toBeDefined();
    const details = event?.entity?.flatMap((e) => e.detail ?? []) ?? [];
    expect(details).toContainEqual({ type: 'denied-by', valueString: 'patient-not-disclosed' });
    expect(details.some((d) => d.type === 'resource-count')).toBe(false);
  });

  it('verifies the chain, and reports the first tampered event', async () => {
    const token = await lloyd.token('auditor');
    const verify = async () =>
      (await (
        await fetch(`${lloyd.base}/admin/audit/$verify`, { headers: { authorization: `Bearer ${token}` } })
      ).json()) as {
        ok: boolean;
        firstBreak?: { seq: number };
      };
    expect((await verify()).ok).toBe(true);
    const kv = lloyd.app.get(KeyValueStore);
    const raw = await kv.get(auditEventKey(2));
    expect(raw).not.toBeNull();
    const tampered = raw!.replace('RX1', 'RX9');
    expect(tampered).not.toBe(raw);
    await kv.set(auditEventKey(2), tampered);
    const report = await verify();
    expect(report.ok).toBe(false);
    expect(report.firstBreak?.seq).toBe(2);
  });
});
