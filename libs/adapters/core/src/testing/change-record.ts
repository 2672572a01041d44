import { randomUUID } from 'node:crypto';
import { recordSections } from '@lloyd/config';
import type { SupplierAdapter } from '../supplier-adapter.js';
import type { TransferEndpoint } from '../transfer.js';

/**
 * Changes a patient's record at a simulated system the way a practice would: reads it (through an adapter without a
 * cache) and files it back, less its first resource of `resourceType`, through the system's GP2GP inbound endpoint.
 * Resolves once the system has integrated it; throws otherwise.
 */
export async function fileRecordWithout(
  reader: SupplierAdapter,
  transfer: TransferEndpoint,
  nhsNumber: string,
  resourceType: string,
  fromOds: string,
): Promise<void> {
  const signal = AbortSignal.timeout(30_000);
  const source = await reader.getRecord(nhsNumber, { sections: recordSections }, { signal, correlationId: 'change' });
  if (!source) throw new Error(`no record for ${nhsNumber} to change`);
  const dropped = source.resources.find((r) => r.resourceType === resourceType);
  if (!dropped) throw new Error(`the record of ${nhsNumber} has no ${resourceType} to leave out`);
  const changed = { ...source, resources: source.resources.filter((r) => r !== dropped) };
  const found = await reader.findPatient(nhsNumber, { signal, correlationId: 'change' });
  const patientStatus = { dissent: found?.flags.dissent ?? false, sensitive: found?.flags.sensitive ?? false };
  const result = await transfer.importRecord(
    nhsNumber,
    {
      record: changed,
      attachments: [],
      fromOds,
      mode: 'integrate',
      degradedCount: 0,
      missingAttachments: [],
      patientStatus,
    },
    { signal, correlationId: 'change', conversationId: randomUUID().toUpperCase(), counterpartOds: fromOds },
  );
  if (result.status !== 'integrated')
    throw new Error(`the system did not integrate the changed record: ${result.status}`);
}
