import type { JWTPayload } from 'jose';

/** Why the caller is reading a patient's record (`reason_for_request`). */
export type ReasonForRequest = 'directcare' | 'emergency';

export const REASONS_FOR_REQUEST: readonly ReasonForRequest[] = ['directcare', 'emergency'];

/** An access token whose signature, issuer, audience, lifetime and required claims have been checked. */
export interface VerifiedToken {
  issuer: string;
  subject: string;
  /** `client_id` (or `azp`) claim, falling back to `sub` as in SMART Backend Services. */
  clientId: string;
  /** `requesting_organization`: the consumer organisation's ODS code. */
  organisation: string;
  /** `requesting_practitioner`: the SDS user id of the person behind the request, when there is one. */
  practitioner?: string;
  /** `reason_for_request`, when it holds a recognised value. */
  reason?: ReasonForRequest;
  /** `reason_text`, e.g. why emergency access was needed. */
  reasonText?: string;
  scopes: string[];
  jti: string;
  /** `exp` in milliseconds since the epoch. */
  expiresAt: number;
  /** Every claim, as verified. */
  claims: JWTPayload;
}
