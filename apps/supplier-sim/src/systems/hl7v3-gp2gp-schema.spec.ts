import { spawnSync } from 'node:child_process';
import type { AddressInfo } from 'node:net';
// The schemas are NHS sample data beside the checkout, never copied into the project.
import { describeWithSharedData, sharedDataPath } from '../../../../test/support/shared-data.js';
import type { FastifyInstance } from 'fastify';
import { SyntheticDataset } from '../generator/generate.js';
import { createHl7v3Gp2gpSystem } from './hl7v3-gp2gp.js';
import { renderNack } from './hl7v3-gp2gp-messages.js';
import { ehrRequestXml, TEST_MESSAGE_ID } from './hl7v3-gp2gp-testing.js';

function xmllintAvailable(): boolean {
  return !spawnSync('xmllint', ['--version'], { encoding: 'utf8' }).error;
}

/** Validates with Debian's xmllint against a GP2GP schema; returns its complaints (empty when valid). */
function schemaErrors(xml: string, schema: string): string[] {
  const result = spawnSync(
    'xmllint',
    ['--noout', '--schema', sharedDataPath('gp2gp', 'schemas', 'schema', schema), '-'],
    {
      input: xml,
      encoding: 'utf8',
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  if (result.error) throw new Error(`xmllint could not run (${result.error.message}): apt-get install libxml2-utils.`);
  if (result.status === 0) return [];
  return result.stderr.split('\n').filter((line) => line && !line.endsWith('fails to validate'));
}

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

const XMLLINT = xmllintAvailable();
const REQUIRED = process.env['REQUIRE_SHARED_DATA'] === '1';
if (!XMLLINT && !REQUIRED) {
  console.warn('\n*** xmllint not found: the GP2GP schema checks are SKIPPED (apt-get install libxml2-utils). ***\n');
}
/** With REQUIRE_SHARED_DATA=1 a missing xmllint fails each check (schemaErrors throws) instead of skipping. */
const describeWithXmllint = XMLLINT || REQUIRED ? describe : describe.skip;

describeWithSharedData('P30003 GP2GP messages against the GP2GP schemas', () => {
  describeWithXmllint('validated with xmllint', () => {
    it.each(['9990000034', '9990000093'])('the extract of %s validates against RCMR_IN030000UK06.xsd', async (nhs) => {
      expect(schemaErrors(await extractFor('P30003', nhs), 'RCMR_IN030000UK06.xsd')).toEqual([]);
    });

    it('the extracts of the synthetic extra patients validate too', async () => {
      const extras = dataset.patientsOf('P30003').filter((p) => !p.demographics.nhsNumber.startsWith('999000'));
      expect(extras).toHaveLength(2);
      for (const p of extras) {
        expect(schemaErrors(await extractFor('P30003', p.demographics.nhsNumber), 'RCMR_IN030000UK06.xsd')).toEqual([]);
      }
    });

    it('a record with confidential items validates against RCMR_IN030000UK07.xsd', async () => {
      const xml = await extractFor('P20002', '9990000069');
      expect(xml).toContain('<RCMR_IN030000UK07');
      expect(xml).toContain('code="NOPAT"');
      expect(schemaErrors(xml, 'RCMR_IN030000UK07.xsd')).toEqual([]);
    });

    it('the validator rejects what the schema forbids (so the checks above can fail)', async () => {
      const broken = (await extractFor('P30003', '9990000093')).replace(/<statusCode code="COMPLETE"\/>/, '');
      expect(schemaErrors(broken, 'RCMR_IN030000UK06.xsd').length).toBeGreaterThan(0);
    });

    it('the negative acknowledgement validates against MCCI_IN010000UK13.xsd', () => {
      const nack = renderNack({
        reason: '06',
        asid: '200000030003',
        createdAt: '2025-06-01T09:30',
        request: { messageId: TEST_MESSAGE_ID, requesterAsid: '200000000026' },
      });
      expect(schemaErrors(nack, 'MCCI_IN010000UK13.xsd')).toEqual([]);
      expect(
        schemaErrors(
          renderNack({ reason: '18', asid: '200000030003', createdAt: '2025-06-01' }),
          'MCCI_IN010000UK13.xsd',
        ),
      ).toEqual([]);
    });
  });
});
