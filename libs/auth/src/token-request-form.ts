import type { JWTPayload } from 'jose';
import { oauthError } from './oauth-error.js';
import { REASONS_FOR_REQUEST, type ReasonForRequest } from './verified-token.js';

// Reading the token request form and the consumer claims of a client assertion (RFC 6749 §4.4, SMART Backend Services).

const SDS_USER_ID = /^[A-Za-z0-9._-]{1,64}$/;
const MAX_REASON_TEXT = 500;

export function formFields(form: unknown): Record<string, unknown> {
  if (typeof form !== 'object' || form === null || Array.isArray(form)) {
    throw oauthError('invalid_request', 'Send the token request as an application/x-www-form-urlencoded form.');
  }
  return form as Record<string, unknown>;
}

export function optionalField(fields: Record<string, unknown>, name: string): string | undefined {
  const value = fields[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw oauthError('invalid_request', `${name} must be given exactly once.`);
  return value;
}

export function field(fields: Record<string, unknown>, name: string): string {
  const value = optionalField(fields, name);
  if (value === undefined || value === '') throw oauthError('invalid_request', `${name} is required.`);
  return value;
}

/** Who is asking and why, copied from the assertion into the access token. */
export function consumerClaims(claims: JWTPayload): {
  practitioner?: string;
  reason: ReasonForRequest;
  reasonText?: string;
} {
  const practitioner = claims['requesting_practitioner'];
  const reason = claims['reason_for_request'] ?? 'directcare';
  const reasonText = claims['reason_text'];
  if (practitioner !== undefined && (typeof practitioner !== 'string' || !SDS_USER_ID.test(practitioner))) {
    throw oauthError(
      'invalid_grant',
      'requesting_practitioner must be an SDS user id (letters, digits, ".", "_" or "-", up to 64).',
    );
  }
  if (typeof reason !== 'string' || !(REASONS_FOR_REQUEST as readonly string[]).includes(reason)) {
    throw oauthError('invalid_grant', 'reason_for_request must be "directcare" or "emergency".');
  }
  if (reasonText !== undefined && (typeof reasonText !== 'string' || reasonText.length > MAX_REASON_TEXT)) {
    throw oauthError('invalid_grant', `reason_text must be a string of at most ${MAX_REASON_TEXT} characters.`);
  }
  if (reason === 'emergency' && (typeof reasonText !== 'string' || reasonText.trim() === '')) {
    throw oauthError('invalid_grant', 'reason_text is required when reason_for_request is "emergency".');
  }
  return {
    reason: reason as ReasonForRequest,
    ...(practitioner ? { practitioner } : {}),
    ...(typeof reasonText === 'string' && reasonText.trim() !== '' ? { reasonText } : {}),
  };
}
