import { hasConfidentialityLabel } from '@lloyd/fhir';
import { type BlobStore } from '@lloyd/store';
import { type Terminology } from '@lloyd/terminology';
import { Gp2gpJob } from '../jobs/gp2gp-job.js';
import type { Gp2gpMessages } from '../messaging/gp2gp-messages.js';
import type { DemographicsLookup } from '../endpoints/demographics.js';
import type { Transfer } from '../model/transfer.js';
import { moveTo } from '../model/transitions.js';
import { transferBlobs } from '../store/transfer-keys.js';
import type { Transfers } from '../store/transfers.js';
import { TransferStepError } from './step-error.js';
import type { TransferStep } from './step-runner.js';

/** The blob holding the whole extract on the receiving side. */
export function extractKeyOf(t: Transfer): string {
  return t.attachments.some((a) => a.skeleton) ? transferBlobs.extract(t.id) : transferBlobs.inboundCore(t.id);
}

/**
 * `extract-received` (small) | `reassembled` → `translated`: parses the extract, streaming, into the canonical
 * record, checks it is the requested patient's (else reason 28, wrong patient), reads the patient's demographics,
 * dissent and S-flag from the sending practice's system (else reason 06), and translates its codes for the
 * receiving system: SNOMED CT added where a Read v2 or CTV3 map exists, untranslatable items kept and marked
 * degraded (counted). An extract that cannot be parsed fails the transfer with reason 21.
 */
export class TranslateExtractStep implements TransferStep {
  readonly job = Gp2gpJob.Translate;
  readonly failureCode = '21' as const;

  constructor(
    private readonly transfers: Transfers,
    private readonly blobs: BlobStore,
    private readonly messages: Gp2gpMessages,
    private readonly terminology: Terminology,
    private readonly demographics?: DemographicsLookup,
  ) {}

  handles(t: Transfer): boolean {
    return (t.state === 'extract-received' && !t.largeMessage) || t.state === 'reassembled';
  }

  async run(t: Transfer): Promise<Transfer> {
    let parsed;
    try {
      parsed = await this.messages.parseExtract(await this.blobs.get(extractKeyOf(t)));
    } catch (error) {
      throw new TransferStepError(
        '21',
        `The EHR extract could not be processed: ${error instanceof Error ? error.message : String(error)}. ` +
          'Ask the sending practice to send the record again.',
        { cause: error },
      );
    }
    const nhsNumber =
      parsed.header.nhsNumber ??
      parsed.record.patient.identifier?.find((i) => i.system === 'https://fhir.nhs.uk/Id/nhs-number')?.value;
    if (nhsNumber !== t.nhsNumber) {
      throw new TransferStepError(
        '28',
        `The EHR extract is for NHS number ${nhsNumber ?? '(none)'}, not ${t.nhsNumber}: wrong patient. ` +
          'The record was not delivered; contact the sending practice.',
      );
    }
    const found = this.demographics ? await this.demographics(t.nhsNumber, t.fromOds) : null;
    if (this.demographics && !found) {
      throw new TransferStepError(
        '06',
        `The sending practice ${t.fromOds} no longer knows patient ${t.nhsNumber}, so the patient's dissent and ` +
          'sensitivity cannot be carried to the new practice; the record was not delivered. Check where the patient is registered.',
      );
    }
    // Keep the extract's patient id: the record's references point at it.
    const record = found
      ? { ...parsed.record, patient: { ...found.patient, id: parsed.record.patient.id } }
      : parsed.record;
    // Without a lookup (tests, tools) only the extract speaks: an S-flag travels as the Patient's restricted label.
    const patientStatus = found
      ? { dissent: found.flags.dissent, sensitive: found.flags.sensitive }
      : { dissent: false, sensitive: hasConfidentialityLabel(record.patient) };
    const translated = this.terminology.normaliseRecord(record);
    await this.blobs.put(transferBlobs.translated(t.id), JSON.stringify(translated.record), {
      contentType: 'application/json',
    });
    const written = await this.transfers.update(t.id, (latest, now) =>
      this.handles(latest)
        ? moveTo(latest, 'translated', now, {
            patientStatus,
            degradedCount: translated.degraded,
            itemCount: translated.record.resources.length,
          })
        : null,
    );
    return written?.transfer ?? t;
  }
}
