import type { AccessDecision } from '@lloyd/access';
import type { SupplierCaller } from '@lloyd/federation';
import { type OperationOutcomeError, outcomes } from '@lloyd/fhir';
import { MetricsService } from '@lloyd/observability';
import { RecordReader, type OpenedPatient } from './record-reader.js';

/** A reader whose supplier always fails the same way; only the record read is exercised (no access chain). */
function readerFailingWith(failure: () => OperationOutcomeError) {
  let calls = 0;
  const suppliers = {
    call: () => {
      calls++;
      return Promise.reject(failure());
    },
  } as unknown as SupplierCaller;
  const unused = {} as never;
  const reader = new RecordReader(
    unused,
    suppliers,
    unused,
    unused,
    unused,
    unused,
    new MetricsService({ defaultMetrics: false }),
  );
  return { reader, calls: () => calls };
}

const opened = {
  ods: 'P40004',
  nhsNumber: '9990000042',
  decision: { sections: ['allergies', 'medications', 'problems'], linkedSections: ['consultations'] },
} as unknown as OpenedPatient & { decision: AccessDecision };

describe('RecordReader: reading a record the supplier cannot give whole', () => {
  it('asks area by area when the system fails, so that the areas it can answer are still served', async () => {
    const { reader, calls } = readerFailingWith(() => outcomes.badGateway('P40004'));
    await expect(reader.read(opened, 'c1')).rejects.toMatchObject({ status: 502 });
    expect(calls()).toBe(1 + 4);
  });

  it('does not when the system is too slow: one call per area would multiply its load and the wait', async () => {
    const { reader, calls } = readerFailingWith(() => outcomes.gatewayTimeout('P40004'));
    await expect(reader.read(opened, 'c1')).rejects.toMatchObject({ status: 504 });
    expect(calls()).toBe(1);
  });
});
