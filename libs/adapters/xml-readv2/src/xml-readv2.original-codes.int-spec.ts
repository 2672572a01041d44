/**
 * A record transferred in to the XML/Read v2 system over GP2GP keeps the codes the system could not store as its own
 * (`<OriginalCode>` beside the transfer-degraded `9bJ0.`): read back through the adapter and translated centrally, an
 * item whose original code was SNOMED CT (or maps to it) is not degraded, and any other keeps its original coding.
 */
import { randomUUID } from 'node:crypto';
import { CODE_SYSTEMS, EXTENSIONS } from '@lloyd/adapters-core';
import { recordSections } from '@lloyd/config';
import { isDegraded, Terminology } from '@lloyd/terminology';
// Tests may start the simulators; library source never imports apps.
// eslint-disable-next-line no-restricted-imports -- tests drive the real simulator over HTTP
import { startSimulators, type RunningSimulators } from '../../../../apps/supplier-sim/src/server.js';
import { XmlReadV2Adapter } from './xml-readv2.adapter.js';

const NHS_NUMBER = '9990000093';
const ctx = () => ({ signal: AbortSignal.timeout(30_000), correlationId: randomUUID() });

/** The system's own transfer document (what a sender files), with items coded in schemes it cannot store. */
const INCOMING = `<?xml version="1.0" encoding="UTF-8"?>
<IncomingRecord from="P30003" mode="integrate">
  <Patient nhsNumber="${NHS_NUMBER}"><Demographics><Name><Title>Ms</Title><Given>Ada</Given><Family>Lovelace</Family></Name>
  <Sex>F</Sex><DateOfBirth>1970-01-01</DateOfBirth><Address><Line>1 Road</Line><Town>Leeds</Town><Postcode>LS1 1AA</Postcode></Address></Demographics></Patient>
  <ClinicalRecord>
    <Problems>
      <Problem id="PR1" date="2020-03" confidential="false" status="active" significance="major" sourceRefs="Condition/PR1"><Code scheme="SNOMED" code="195967001" term="Asthma"/><Term>Asthma as recorded</Term></Problem>
      <Problem id="PR2" date="2020-04" confidential="false" status="active" significance="minor" sourceRefs="Condition/PR2"><Code scheme="READ2" code="H33.." term="Asthma"/><Term>Asthma</Term></Problem>
    </Problems>
    <Observations>
      <Observation id="OB1" date="2021-05-06" confidential="false" sourceRefs="Observation/OB1"><Code scheme="SNOMED" code="37331000000100" term="Comment note"/><Term>Feeling better</Term></Observation>
      <Observation id="OB2" date="2021-05-07" confidential="false" sourceRefs="Observation/OB2"><Code scheme="LOCAL-P30003" code="EMISNQ123" term="Practice own code"/><Term>Practice own code</Term></Observation>
    </Observations>
  </ClinicalRecord>
</IncomingRecord>`;

let sims: RunningSimulators;

beforeAll(async () => {
  sims = await startSimulators({ seed: 42, ports: { P10001: 0 } });
  const filed = await fetch(`${sims.urls.P10001!}/transfers/${randomUUID().toUpperCase()}/record`, {
    method: 'POST',
    headers: { 'content-type': 'application/xml' },
    body: INCOMING,
  });
  const report = await filed.text();
  if (filed.status !== 201 || !report.includes('outcome="degraded"'))
    throw new Error(`the transfer was not filed as expected: HTTP ${filed.status} ${report}`);
});

afterAll(async () => {
  await sims?.close();
});

describe('XmlReadV2Adapter: the original codes of transfer-degraded items', () => {
  it('reads them into codings, so that only an item with no translatable code is degraded', async () => {
    const adapter = new XmlReadV2Adapter({ ods: 'P10001', baseUrl: sims.urls.P10001! });
    const raw = await adapter.getRecord(NHS_NUMBER, { sections: recordSections }, ctx());
    const { record } = Terminology.sample().normaliseRecord(raw!);
    const byId = new Map(record.resources.map((r) => [r.id, r as fhir4.Observation]));

    // SNOMED CT originals: kept as SNOMED CT, after the code the system filed the item under.
    expect(byId.get('PR1')!.code.coding).toEqual([
      { system: CODE_SYSTEMS.readv2, code: '9bJ0.', display: 'Transfer-degraded record entry' },
      { system: CODE_SYSTEMS.snomed, code: '195967001', display: 'Asthma' },
    ]);
    expect(byId.get('PR1')!.code.text).toBe('Asthma as recorded');
    expect(isDegraded(byId.get('PR1')!)).toBe(false);
    expect(byId.get('OB1')!.code.coding![1]).toEqual({
      system: CODE_SYSTEMS.snomed,
      code: '37331000000100',
      display: 'Comment note',
    });
    expect(isDegraded(byId.get('OB1')!)).toBe(false);
    // An item the system could store is as it was.
    expect(byId.get('PR2')!.code.coding![0]).toMatchObject({ system: CODE_SYSTEMS.readv2, code: 'H33..' });
    expect(isDegraded(byId.get('PR2')!)).toBe(false);
    // Another practice's local code: kept as that practice's coding, and the item is degraded.
    const local = byId.get('OB2')!;
    expect(local.code.coding![1]).toEqual({
      system: `${CODE_SYSTEMS.localPrefix}P30003`,
      code: 'EMISNQ123',
      display: 'Practice own code',
    });
    expect(isDegraded(local)).toBe(true);
    expect(local.code.extension).toContainEqual({ url: EXTENSIONS.degradedCode, valueBoolean: true });
  });
});
