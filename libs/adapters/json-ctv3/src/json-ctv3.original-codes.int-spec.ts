/**
 * A record transferred in to the JSON/CTV3 system keeps the codes the system could not store as its own
 * (`originalCodes` beside the transfer-degraded `LOCAL TRFDEG`): read back through the adapter and translated
 * centrally, an item whose original code was SNOMED CT (or maps to it) is not degraded, and any other keeps its
 * original coding.
 */
import { randomUUID } from 'node:crypto';
import { CODE_SYSTEMS, EXTENSIONS } from '@lloyd/adapters-core';
import { recordSections } from '@lloyd/config';
import { isDegraded, Terminology } from '@lloyd/terminology';
// Tests may start the simulators; library source never imports apps.
// eslint-disable-next-line no-restricted-imports -- tests drive the real simulator over HTTP
import { startSimulators, type RunningSimulators } from '../../../../apps/supplier-sim/src/server.js';
import { JsonCtv3Adapter } from './json-ctv3.adapter.js';

const NHS_NUMBER = '9990000034';
const ctx = () => ({ signal: AbortSignal.timeout(30_000), correlationId: randomUUID() });
const day = (value: string) => ({ value, precision: 'day' });
const LOCAL_P30003 = `${CODE_SYSTEMS.localPrefix}P30003`;

/** The system's own transfer document (what a sender files), with entries coded in schemes it cannot store. */
const transferDocument = {
  nhsNumber: NHS_NUMBER,
  fromOds: 'P30003',
  patient: {
    nhsNumber: NHS_NUMBER,
    name: { title: 'Mr', forenames: ['Alan'], surname: 'Transfer' },
    sex: 'male',
    dateOfBirth: '1967-04-02',
  },
  staff: [],
  events: [
    {
      eventId: 'de-1',
      eventType: 'dataEntry',
      date: day('2024-03-01'),
      privacyLevel: 'normal',
      entries: [
        {
          entryId: 'prob-1',
          type: 'problem',
          text: 'Asthma as recorded',
          originalCodes: [{ system: CODE_SYSTEMS.snomed, code: '195967001', display: 'Asthma' }],
          date: day('2024-03-01'),
          privacyLevel: 'normal',
          status: 'active',
          significance: 'major',
        },
        {
          entryId: 'obs-1',
          type: 'observation',
          text: 'Practice own code',
          originalCodes: [{ system: LOCAL_P30003, code: 'EMISNQ123', display: 'Practice own code' }],
          date: day('2024-03-01'),
          privacyLevel: 'normal',
        },
        {
          entryId: 'fbc-1',
          type: 'investigation',
          readCode: { scheme: 'CTV3', code: '424..', term: 'Full blood count' },
          text: 'Full blood count',
          date: day('2024-03-01'),
          privacyLevel: 'normal',
          status: 'final',
          results: [
            {
              resultId: 'note-1',
              text: 'Comment note',
              originalCodes: [{ system: CODE_SYSTEMS.snomed, code: '37331000000100', display: 'Comment note' }],
            },
          ],
        },
      ],
    },
  ],
};

let sims: RunningSimulators;

beforeAll(async () => {
  sims = await startSimulators({ seed: 42, ports: { P20002: 0 } });
  const transfer = `${sims.urls.P20002!}/api/v2/transfers/${randomUUID().toUpperCase()}`;
  const put = await fetch(transfer, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(transferDocument),
  });
  if (put.status !== 201) throw new Error(`the transfer document was refused: HTTP ${put.status}`);
  const filed = await fetch(`${transfer}/filing`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ mode: 'file' }),
  });
  const { status } = (await filed.json()) as { status: string };
  if (status !== 'filed') throw new Error(`the transfer was not filed: ${status}`);
});

afterAll(async () => {
  await sims?.close();
});

describe('JsonCtv3Adapter: the original codes of transfer-degraded entries', () => {
  it('reads them into codings, so that only an item with no translatable code is degraded', async () => {
    const adapter = new JsonCtv3Adapter({ ods: 'P20002', baseUrl: sims.urls.P20002! });
    const raw = await adapter.getRecord(NHS_NUMBER, { sections: recordSections }, ctx());
    const { record } = Terminology.sample().normaliseRecord(raw!);
    const byId = new Map(record.resources.map((r) => [r.id, r as fhir4.Observation]));

    // SNOMED CT originals: kept as SNOMED CT, after the code the system filed the entry under.
    const problem = byId.get('prob-1')!;
    expect(problem.code.coding).toEqual([
      { system: `${CODE_SYSTEMS.localPrefix}P20002`, code: 'TRFDEG', display: 'Transfer-degraded record entry' },
      { system: CODE_SYSTEMS.snomed, code: '195967001', display: 'Asthma' },
    ]);
    expect(problem.code.text).toBe('Asthma as recorded');
    expect(isDegraded(problem)).toBe(false);
    // A test result's too.
    const note = byId.get('note-1')!;
    expect(note.code.coding![1]).toEqual({
      system: CODE_SYSTEMS.snomed,
      code: '37331000000100',
      display: 'Comment note',
    });
    expect(isDegraded(note)).toBe(false);
    // Another practice's local code: kept as that practice's coding, and the entry is degraded.
    const local = byId.get('obs-1')!;
    expect(local.code.coding![1]).toEqual({ system: LOCAL_P30003, code: 'EMISNQ123', display: 'Practice own code' });
    expect(isDegraded(local)).toBe(true);
    expect(local.code.extension).toContainEqual({ url: EXTENSIONS.degradedCode, valueBoolean: true });
    // An entry filed under its CTV3 code is as it was.
    expect(byId.get('fbc-1')!.code.coding).toEqual([
      { system: CODE_SYSTEMS.ctv3, code: '424..', display: 'Full blood count' },
      expect.objectContaining({ system: CODE_SYSTEMS.snomed }),
    ]);
  });
});
