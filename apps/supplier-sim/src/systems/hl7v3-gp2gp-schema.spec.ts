import type { AddressInfo } from 'node:net';
// The schemas are NHS sample data beside the checkout, never copied into the project. The suite helper is shared test
// support (not a Lloyd library), so the simulators stay independent of Lloyd.
import { describeWithSchemas, expectSchemaValid } from '../../../../test/support/schema-suite.js';
import type { FastifyInstance } from 'fastify';
import { SyntheticDataset } from '../generator/generate.js';
import { createHl7v3Gp2gpSystem } from './hl7v3-gp2gp.js';
import { renderNack } from './hl7v3-gp2gp-messages.js';
import { ehrRequestXml, TEST_MESSAGE_ID } from './hl7v3-gp2gp-testing.js';

const dataset = new SyntheticDataset({ seed: 3, extraPatients: 2 });
const systems: Partial<Record<'P30003' | 'P20002', FastifyInstance>> = {};

beforeAll(async () => {
  for (const ods of ['P30003', 'P20002'] as const) {
    const system = createHl7v3Gp2gpSystem({ dataset, ods });
    await system.listen({ host: '127.0.0.1', port: 0 });
    systems[ods] = system;
  }
});

afterAll(async () => {
  await Promise.all(Object.values(systems).map((s) => s.close()));
});

/** The system's answer over HTTP to an EHR request for the patient (P20002's data: the confidential patient). */
async function extractFor(ods: 'P30003' | 'P20002', nhsNumber: string): Promise<string> {
  const port = (systems[ods]!.server.address() as AddressInfo).port;
  const res = await fetch(`http://127.0.0.1:${port}/gp2gp/ehr-request`, {
    method: 'POST',
    headers: { 'content-type': 'application/xml' },
    body: ehrRequestXml({ nhsNumber, senderOds: ods }),
  });
  expect(res.status).toBe(200);
  return res.text();
}

describeWithSchemas('P30003 GP2GP messages against the GP2GP schemas (xmllint)', (validate) => {
  it.each(['9990000034', '9990000093'])('the extract of %s validates against RCMR_IN030000UK06.xsd', async (nhs) => {
    await expectSchemaValid(validate, await extractFor('P30003', nhs), 'RCMR_IN030000UK06');
  });

  it('the extracts of the synthetic extra patients validate too', async () => {
    const extras = dataset.patientsOf('P30003').filter((p) => !p.demographics.nhsNumber.startsWith('999000'));
    expect(extras).toHaveLength(2);
    for (const p of extras) {
      await expectSchemaValid(validate, await extractFor('P30003', p.demographics.nhsNumber), 'RCMR_IN030000UK06');
    }
  });

  it('a record with confidential items validates against RCMR_IN030000UK07.xsd', async () => {
    const xml = await extractFor('P20002', '9990000069');
    expect(xml).toContain('<RCMR_IN030000UK07');
    expect(xml).toContain('code="NOPAT"');
    await expectSchemaValid(validate, xml, 'RCMR_IN030000UK07');
  });

  it('the validator rejects what the schema forbids (so the checks above can fail)', async () => {
    const broken = (await extractFor('P30003', '9990000093')).replace(/<statusCode code="COMPLETE"\/>/, '');
    const result = await validate(broken, 'RCMR_IN030000UK06');
    expect(result.valid).toBe(false);
    expect(result.errors.length).toBeGreaterThan(0);
  });

  it('the negative acknowledgement validates against MCCI_IN010000UK13.xsd', async () => {
    const nack = renderNack({
      reason: '06',
      asid: '200000030003',
      createdAt: '2025-06-01T09:30',
      request: { messageId: TEST_MESSAGE_ID, requesterAsid: '200000000026' },
    });
    await expectSchemaValid(validate, nack, 'MCCI_IN010000UK13');
    await expectSchemaValid(
      validate,
      renderNack({ reason: '18', asid: '200000030003', createdAt: '2025-06-01' }),
      'MCCI_IN010000UK13',
    );
  });
});
