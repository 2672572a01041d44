import { randomUUID } from 'node:crypto';
import { type AuditTrail } from '@lloyd/access';
import { type TransferMarkers } from '@lloyd/federation';
import { isValidNhsNumber, OperationOutcomeError } from '@lloyd/fhir';
import { type KeyValueStore } from '@lloyd/store';
import { z } from 'zod';
import type { TransferEndpoints } from '../endpoints/transfer-endpoints.js';
import type { TransferScheduler } from '../jobs/transfer-scheduler.js';
import { newTransfer, type Transfer } from '../model/transfer.js';
import { isTerminal } from '../model/transfer-state.js';
import type { StorePatientRegistry } from '@lloyd/federation';
import { transferKeys } from '../store/transfer-keys.js';
import type { Transfers } from '../store/transfers.js';
import { audited, invalidInput, invalidParameter, type Gp2gpCaller } from './caller.js';

const odsCode = z.string().regex(/^[A-Z0-9]{3,10}$/, 'must be an ODS code (3-10 upper-case letters or digits)');

export const startTransferSchema = z.object({
  nhsNumber: z
    .string()
    .regex(/^\d{10}$/, 'must be 10 digits')
    .refine(isValidNhsNumber, 'is not a valid NHS number: its check digit is wrong'),
  fromOds: odsCode,
  toOds: odsCode,
});

export type StartTransferCommand = z.infer<typeof startTransferSchema>;

/** A started transfer; `created` is false when the same transfer (patient, from, to) was already open. */
export interface StartedTransfer {
  transfer: Transfer;
  created: boolean;
}

const CLAIM_ATTEMPTS = 10;

/**
 * `POST /gp2gp/transfers`: a patient registered at a new practice (`toOds`), so bring the whole record across from
 * the old one (`fromOds`). Validates the request (NHS number check digit, both practices known and GP2GP-enabled and
 * different, the registry places the patient at `fromOds`), then persists the transfer, marks the patient's record
 * at the new practice as data-in-transit, audits, and only then enqueues the first step.
 *
 * At most one transfer of a patient is open at a time, whichever the practices: asking again for the same transfer
 * (patient, from and to) returns the open one (idempotent), as GP2GP refuses a duplicate extract (reason 12) rather
 * than integrate a record twice; asking for another while one is open is refused with 409, naming the open one, as
 * two transfers out of one registration would race to move the patient.
 */
export class StartTransfer {
  constructor(
    private readonly transfers: Transfers,
    private readonly kv: KeyValueStore,
    private readonly endpoints: TransferEndpoints,
    private readonly registry: StorePatientRegistry,
    private readonly markers: TransferMarkers,
    private readonly scheduler: TransferScheduler,
    private readonly audit: AuditTrail,
  ) {}

  async execute(body: unknown, caller: Gp2gpCaller): Promise<StartedTransfer> {
    const parsed = startTransferSchema.safeParse(body);
    const named = parsed.success ? parsed.data : undefined;
    return audited(
      this.audit,
      caller,
      { interaction: 'operation', ...(named ? { patient: named.nhsNumber, practiceOds: named.fromOds } : {}) },
      async () => {
        if (!parsed.success) throw invalidInput(parsed.error, 'body');
        await this.check(parsed.data);
        const started = await this.claim(parsed.data, caller);
        await this.scheduler.continue(started.transfer);
        return started;
      },
      (started) => ({ resources: [`Gp2gpTransfer/${started.transfer.id}`] }),
    );
  }

  private async check(command: StartTransferCommand): Promise<void> {
    for (const field of ['fromOds', 'toOds'] as const) {
      const practice = this.endpoints.practice(command[field]);
      if (!practice.known) {
        throw invalidParameter(field, `practice ${command[field]} is unknown to Lloyd. Check the ODS code.`);
      }
      if (!practice.endpoint) {
        throw invalidParameter(
          field,
          `GP2GP is not enabled for practice ${command[field]}: its supplier system cannot transfer records through Lloyd yet (GP2GP reason 07).`,
        );
      }
    }
    if (command.fromOds === command.toOds) {
      throw invalidParameter('toOds', 'the new practice must differ from the practice the record comes from.');
    }
    const registered = await this.registry.practiceFor(command.nhsNumber);
    if (registered === null) {
      throw invalidParameter(
        'nhsNumber',
        `patient ${command.nhsNumber} is not known to the patient registry. Check the NHS number.`,
      );
    }
    if (registered !== command.fromOds) {
      throw invalidParameter(
        'fromOds',
        `the registry places patient ${command.nhsNumber} at ${registered}, not at ${command.fromOds} (GP2GP reason 06, patient not at surgery). ` +
          'Request the record from the practice the patient was registered at.',
      );
    }
  }

  /** Creates the transfer and claims the patient's open slot, or returns the same transfer already open. */
  private async claim(command: StartTransferCommand, caller: Gp2gpCaller): Promise<StartedTransfer> {
    const openKey = transferKeys.open(command.nhsNumber);
    for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
      const existingId = await this.kv.get(openKey);
      const existing = existingId ? await this.transfers.get(existingId) : null;
      if (existing && !isTerminal(existing.state)) {
        if (existing.fromOds === command.fromOds && existing.toOds === command.toOds) {
          return { transfer: existing, created: false };
        }
        throw openTransferConflict(existing);
      }

      const transfer = newTransfer({
        id: randomUUID().toUpperCase(),
        ...command,
        at: this.transfers.now(),
        requestedBy: { clientId: caller.who.clientId, organisation: caller.who.organisation },
        traceId: caller.correlationId,
      });
      // The record first: whoever finds the claim taken can always read the transfer it names.
      await this.transfers.create(transfer);
      const claimed = existingId
        ? await this.kv.compareAndSet(openKey, existingId, transfer.id)
        : await this.kv.setIfAbsent(openKey, transfer.id);
      if (!claimed) {
        await this.transfers.repository.discard(transfer);
        continue;
      }
      this.transfers.announce(transfer);
      await this.markers.markInTransit(command.toOds, command.nhsNumber, transfer.id);
      return { transfer, created: true };
    }
    throw new Error(
      `Could not start a transfer of ${command.nhsNumber} into ${command.toOds}: too many concurrent requests.`,
    );
  }
}

/** 409: the patient already has another transfer under way. */
function openTransferConflict(open: Transfer): OperationOutcomeError {
  const waiting = open.state === 'awaiting-acceptance';
  return OperationOutcomeError.of(
    'DUPLICATE_REJECTED',
    `Patient ${open.nhsNumber} already has an open GP2GP transfer, ${open.id}, from ${open.fromOds} to ${open.toOds} ` +
      `(state ${open.state}); a patient can have only one transfer under way. ` +
      (waiting
        ? `It awaits acceptance at ${open.toOds}: accept or reject it (POST /gp2gp/transfers/${open.id}/accept or /reject) before asking for another.`
        : `Wait for it to end (GET /gp2gp/transfers/${open.id}) before asking for another.`),
    { issueType: 'processing' },
  );
}
