import type { FastifyInstance } from 'fastify';
import { SyntheticDataset } from '../generator/generate.js';
import { createFhirStu3System } from './fhir-stu3.js';
import { fileItem } from './fhir-stu3-transfer-filing.js';

type Json = Record<string, unknown>;

const NHS = 'https://fhir.nhs.uk/Id/nhs-number';
const SNOMED = 'http://snomed.info/sct';
const NHS_NUMBER = '9990000018';
const FHIR = { 'content-type': 'application/fhir+json' };

function record(): Json {
  const subject = { reference: 'Patient/old-1' };
  return {
    resourceType: 'Bundle',
    type: 'collection',
    entry: [
      { resource: { resourceType: 'Patient', id: 'old-1', identifier: [{ system: NHS, value: NHS_NUMBER }] } },
      {
        resource: {
          resourceType: 'Condition',
          id: 'c1',
          subject,
          code: { coding: [{ system: SNOMED, code: '195967001', display: 'Asthma' }], text: 'Asthma' },
        },
      },
      {
        resource: {
          resourceType: 'Observation',
          id: 'o1',
          status: 'final',
          subject,
          code: { coding: [{ system: 'http://read.info/readv2', code: 'ZZZ..', display: 'Odd thing' }] },
        },
      },
      {
        resource: {
          resourceType: 'DocumentReference',
          id: 'd1',
          status: 'current',
          subject,
          type: { coding: [{ system: SNOMED, code: '371531000', display: 'Report' }] },
          indexed: '2024-01-01T00:00:00+00:00',
          content: [{ attachment: { contentType: 'text/plain', url: 'Binary/d1' } }],
        },
      },
    ],
  };
}

function importParameters(conversationId: string, mode: string, nhsNumber = NHS_NUMBER, dissent = false): Json {
  const policyRule = `http://hl7.org/fhir/ConsentPolicy/${dissent ? 'opt-out' : 'opt-in'}`;
  return {
    resourceType: 'Parameters',
    parameter: [
      { name: 'conversationId', valueString: conversationId },
      { name: 'patientNHSNumber', valueIdentifier: { system: NHS, value: nhsNumber } },
      { name: 'fromOds', valueString: 'P10001' },
      { name: 'mode', valueCode: mode },
      { name: 'record', resource: record() },
      { name: 'consent', resource: { resourceType: 'Consent', status: 'active', policyRule } },
    ],
  };
}

function status(answer: Json): unknown {
  const found: Json | undefined = (answer['parameter'] as Json[]).find((p) => p['name'] === 'status');
  return found?.['valueCode'];
}

function outcomes(answer: Json): Record<string, unknown> {
  return Object.fromEntries<unknown>(
    (answer['parameter'] as Json[])
      .filter((p) => p['name'] === 'item')
      .map((p) => {
        const parts = p['part'] as Json[];
        return [String(parts[0]?.['valueString']), parts[1]?.['valueCode']] as const;
      }),
  );
}

describe('P40004 GP2GP receiving', () => {
  let app: FastifyInstance;
  // 9990000018 is P10001's demo patient: unknown at P40004 until transferred.
  beforeEach(() => {
    app = createFhirStu3System({ dataset: new SyntheticDataset({ seed: 1 }), ods: 'P40004' });
  });
  afterEach(() => app.close());

  const upload = (conversationId: string | undefined, body: string) =>
    app.inject({
      method: 'PUT',
      url: '/Binary/d1',
      headers: {
        'content-type': 'text/plain',
        ...(conversationId ? { 'x-gp2gp-conversationid': conversationId } : {}),
      },
      payload: body,
    });
  const post = (url: string, payload: Json) => app.inject({ method: 'POST', url, headers: FHIR, payload });
  const findPatient = async () =>
    (await app.inject({ url: `/Patient?identifier=${NHS}|${NHS_NUMBER}` })).json<Json>()['total'];

  it('files a record with its attachment, degrading the item with no SNOMED CT code, once', async () => {
    expect((await upload('CONV-1', 'letter text')).statusCode).toBe(201);
    const answer = (await post('/Patient/$gp2gp.import', importParameters('CONV-1', 'integrate'))).json<Json>();
    expect(status(answer)).toBe('integrated');
    expect(outcomes(answer)).toEqual({
      'Condition/c1': 'integrated',
      'Observation/o1': 'degraded',
      'DocumentReference/d1': 'integrated',
      d1: 'integrated',
    });
    expect(await findPatient()).toBe(1);

    // Repeats change nothing.
    expect((await upload('CONV-1', 'something else')).statusCode).toBe(200);
    expect((await post('/Patient/$gp2gp.import', importParameters('CONV-1', 'integrate'))).json()).toEqual(answer);

    const search = (await app.inject({ url: `/Patient?identifier=${NHS}|${NHS_NUMBER}` })).json<Json>();
    const patient = (search['entry'] as { resource: Json }[])[0]!.resource;
    const documents = (await app.inject({ url: `/Patient/${String(patient['id'])}/DocumentReference` })).json<Json>();
    const doc = (documents['entry'] as { resource: Json }[])[0]!.resource;
    const url = ((doc['content'] as Json[])[0]!['attachment'] as Json)['url'] as string;
    const binary = await app.inject({ url: new URL(url).pathname });
    expect(binary.body).toBe('letter text');
  });

  it("keeps the patient's dissent that came with the record, and refuses a record that does not say", async () => {
    const answer = (
      await post('/Patient/$gp2gp.import', importParameters('CONV-9', 'integrate', NHS_NUMBER, true))
    ).json<Json>();
    expect(status(answer)).toBe('integrated');
    const search = (await app.inject({ url: `/Patient?identifier=${NHS}|${NHS_NUMBER}` })).json<Json>();
    const consent = (search['entry'] as { resource: Json }[]).find((e) => e.resource['resourceType'] === 'Consent');
    expect(consent?.resource['policyRule']).toBe('http://hl7.org/fhir/ConsentPolicy/opt-out');

    const unsaid = importParameters('CONV-10', 'integrate');
    unsaid['parameter'] = (unsaid['parameter'] as Json[]).filter((p) => p['name'] !== 'consent');
    expect((await post('/Patient/$gp2gp.import', unsaid)).statusCode).toBe(422);
  });

  it('holds until a decision; a rejected record is never served', async () => {
    const held = (await post('/Patient/$gp2gp.import', importParameters('CONV-2', 'hold'))).json<Json>();
    expect(status(held)).toBe('awaiting-acceptance');
    expect(outcomes(held)['d1']).toBe('not-integrated');
    expect(await findPatient()).toBe(0);
    const decision = { resourceType: 'Parameters', parameter: [{ name: 'conversationId', valueString: 'CONV-2' }] };
    const reject = {
      ...decision,
      parameter: [
        ...decision.parameter,
        { name: 'accept', valueBoolean: false },
        { name: 'reasonCode', valueString: '17' },
      ],
    };
    const rejected = (await post('/Patient/$gp2gp.decision', reject)).json<Json>();
    expect(status(rejected)).toBe('rejected');
    expect(await findPatient()).toBe(0);
    const accept = { ...decision, parameter: [...decision.parameter, { name: 'accept', valueBoolean: true }] };
    expect(status((await post('/Patient/$gp2gp.decision', accept)).json())).toBe('rejected');
  });

  it('refuses uploads without a conversation id, decisions on unknown conversations, and wrong patients', async () => {
    expect((await upload(undefined, 'x')).statusCode).toBe(400);
    const unknown = {
      resourceType: 'Parameters',
      parameter: [
        { name: 'conversationId', valueString: 'NOPE' },
        { name: 'accept', valueBoolean: true },
      ],
    };
    expect((await post('/Patient/$gp2gp.decision', unknown)).statusCode).toBe(404);
    const wrong = (
      await post('/Patient/$gp2gp.import', importParameters('CONV-3', 'integrate', '9990000026'))
    ).json<Json>();
    expect(wrong).toEqual(
      expect.objectContaining({
        parameter: expect.arrayContaining([{ name: 'reasonCode', valueString: '28' }]) as unknown,
      }),
    );
  });
});

describe('fileItem', () => {
  it('keeps the original codings and text beside the transfer-degraded code', () => {
    const filed = fileItem({
      resourceType: 'MedicationStatement',
      medicationCodeableConcept: { coding: [{ system: 'local', code: 'X1', display: 'Local drug' }] },
    });
    expect(filed.outcome).toBe('degraded');
    expect(filed.resource['medicationCodeableConcept']).toEqual({
      coding: [
        { system: 'local', code: 'X1', display: 'Local drug' },
        { system: SNOMED, code: '196421000000109', display: 'Transfer-degraded medication entry' },
      ],
      text: 'Local drug',
    });
  });
});
