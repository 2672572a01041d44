import { spawnSync } from 'node:child_process';
// The schemas are NHS sample data beside the checkout, never copied into the project.
import { describeWithSharedData, sharedDataPath } from '../../../../test/support/shared-data.js';
import { SyntheticDataset } from '../generator/generate.js';
import { practiceProfile } from '../generator/practices.js';
import { renderExtract } from './hl7v3-gp2gp-extract.js';
import { renderNack } from './hl7v3-gp2gp-messages.js';
import { TEST_EHR_REQUEST_ID, TEST_MESSAGE_ID } from './hl7v3-gp2gp-testing.js';

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

function extractFor(ods: 'P30003' | 'P20002', nhsNumber: string): string {
  const patient = dataset.findPatient(ods, nhsNumber);
  if (!patient) throw new Error(`no ${ods} patient ${nhsNumber}`);
  return renderExtract({
    patient,
    practice: practiceProfile(ods),
    asid: '200000030003',
    request: { messageId: TEST_MESSAGE_ID, ehrRequestId: TEST_EHR_REQUEST_ID, nhsNumber, requesterOds: 'X26' },
    createdAt: '2025-06-01T09:30',
    documentUrl: (d) => `http://127.0.0.1:8093/documents/${d.id}`,
  });
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
    it.each(['9990000034', '9990000093'])('the extract of %s validates against RCMR_IN030000UK06.xsd', (nhs) => {
      expect(schemaErrors(extractFor('P30003', nhs), 'RCMR_IN030000UK06.xsd')).toEqual([]);
    });

    it('the extracts of the synthetic extra patients validate too', () => {
      const extras = dataset.patientsOf('P30003').filter((p) => !p.demographics.nhsNumber.startsWith('999000'));
      expect(extras).toHaveLength(2);
      for (const p of extras) {
        expect(schemaErrors(extractFor('P30003', p.demographics.nhsNumber), 'RCMR_IN030000UK06.xsd')).toEqual([]);
      }
    });

    it('a record with confidential items validates against RCMR_IN030000UK07.xsd', () => {
      const xml = extractFor('P20002', '9990000069');
      expect(xml).toContain('<RCMR_IN030000UK07');
      expect(xml).toContain('code="NOPAT"');
      expect(schemaErrors(xml, 'RCMR_IN030000UK07.xsd')).toEqual([]);
    });

    it('the validator rejects what the schema forbids (so the checks above can fail)', () => {
      const broken = extractFor('P30003', '9990000093').replace(/<statusCode code="COMPLETE"\/>/, '');
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
