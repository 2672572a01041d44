import { Injectable } from '@nestjs/common';
import { AuditTrail, type PatientAccessEntry } from '@lloyd/access';
import type { VerifiedToken } from '@lloyd/auth';
import type { RecordSection } from '@lloyd/config';
import type { ReadProgress } from './record-reader.js';

export interface AuditContext {
  token: VerifiedToken;
  correlationId: string;
  request: string;
  interaction: PatientAccessEntry['interaction'];
  patient?: string;
  requestedSections?: readonly RecordSection[];
}

/** What a read answers, and what its audit event records. */
export interface AuditedOutcome<T> {
  result: T;
  /** The resources disclosed. */
  resources?: readonly string[];
  /**
   * Why the read disclosed nothing although it answered normally: a search answers an empty Bundle for a patient it
   * may not show (exactly as for one that does not exist), but the audit event records the refusal and its rule.
   */
  refusal?: unknown;
}

/**
 * Runs a patient-data read and writes exactly one AuditEvent for it, allowed or denied, before the answer leaves:
 * the audit write is awaited, and if it fails the read fails too (fail closed).
 */
@Injectable()
export class AuditedRead {
  constructor(private readonly audit: AuditTrail) {}

  async run<T>(context: AuditContext, work: (progress: ReadProgress) => Promise<AuditedOutcome<T>>): Promise<T> {
    const progress: ReadProgress = {};
    const entry = (extra: Partial<PatientAccessEntry>): PatientAccessEntry => ({
      kind: 'patient-access',
      who: {
        clientId: context.token.clientId,
        organisation: context.token.organisation,
        ...(context.token.practitioner ? { practitioner: context.token.practitioner } : {}),
        ...(context.token.reason ? { reason: context.token.reason } : {}),
        ...(context.token.reasonText ? { reasonText: context.token.reasonText } : {}),
      },
      correlationId: context.correlationId,
      request: context.request,
      interaction: context.interaction,
      ...(context.patient ? { patient: context.patient } : {}),
      ...(context.requestedSections ? { requestedSections: context.requestedSections } : {}),
      ...(progress.ods ? { practiceOds: progress.ods } : {}),
      ...(progress.decision ? { decision: progress.decision } : {}),
      ...(progress.redactions ? { redactions: progress.redactions } : {}),
      ...extra,
    });
    let outcome: AuditedOutcome<T>;
    try {
      outcome = await work(progress);
    } catch (error) {
      await this.audit.record(entry({ error }));
      throw error;
    }
    if (outcome.refusal !== undefined) await this.audit.record(entry({ error: outcome.refusal }));
    else await this.audit.record(entry(outcome.resources ? { resources: outcome.resources } : {}));
    return outcome.result;
  }
}
