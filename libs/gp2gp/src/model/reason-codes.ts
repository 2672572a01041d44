/** Code system of GP2GP negative-acknowledgement reason codes (GP2GP 2.2, MCCI_IN010000UK13). */
export const GP2GP_REASON_SYSTEM = '2.16.840.1.113883.2.1.3.2.4.17.101';

/** The GP2GP reason codes Lloyd uses or reports, with their meaning (GP2GP 2.2; see docs `gp2gp.md`). */
export const REASON_CODES = {
  '06': 'Patient not at surgery',
  '07': 'GP2GP messaging is not enabled on this system',
  '09': 'EHR extract received without corresponding request',
  '10': 'Failed to successfully generate the EHR extract',
  '11': 'Failed to successfully integrate the EHR extract',
  '12': 'Duplicate EHR extract received',
  '13': "The system's configuration prevents it from processing this message",
  '14': 'Not sent: requesting practice is not large-message compliant',
  '15': 'A-B-A extract received and stored as suppressed record',
  '17': 'A-B-A extract rejected: wrong record or wrong patient',
  '18': 'Request message not well-formed or not able to be processed',
  '19': "Sender check: requester is not the patient's current healthcare provider",
  '20': 'Spine system responded with an error',
  '21': 'EHR extract message not well-formed or not able to be processed',
  '23': 'Not sent: sending practice is not large-message compliant',
  '24': 'SDS lookup gave zero or more than one result',
  '25': 'Large messages rejected: overall transfer timeout reached',
  '26': "Returning patient's extract received and filed as an attachment",
  '28': 'Non-A-B-A extract rejected: wrong record or wrong patient',
  '29': 'Large message re-assembly failure',
  '30': 'Large message general failure',
  '31': 'Extract rejected: one or more attachments sent as large messages not received',
  '99': 'Unexpected condition',
} as const;

export type ReasonCode = keyof typeof REASON_CODES;

export function isReasonCode(value: unknown): value is ReasonCode {
  return typeof value === 'string' && Object.hasOwn(REASON_CODES, value);
}

/**
 * The code with its meaning, as a failure reason starts: `GP2GP reason 06 (patient not at surgery)`.
 */
export function explainCode(code: ReasonCode): string {
  const meaning = REASON_CODES[code];
  const lower = /^[A-Z][a-z]/.test(meaning) ? meaning[0]!.toLowerCase() + meaning.slice(1) : meaning;
  return `GP2GP reason ${code} (${lower})`;
}

/** What to do when the sending practice's system refuses the EHR request with a code (see gp2gp.md). */
const REFUSAL_NEXT_STEPS: Partial<Record<ReasonCode, string>> = {
  '06':
    'Check the NHS number and, on PDS, which practice the patient was registered at; request the transfer from the ' +
    'practice that holds the record.',
  '07': 'Ask the sending practice to enable GP2GP on its system, or to send the record on paper.',
  '10':
    'Ask the sending practice to check why its system could not produce the record, then request the transfer ' +
    'again; if it keeps failing, the record travels on paper.',
  '14': 'The sending system does not send large messages to this practice: ask the sending practice to send the record another way.',
  '19': 'Check on PDS that the patient is registered at the requesting practice, then request the transfer again.',
  '23': 'The sending system cannot send large messages: ask the sending practice to send the record another way.',
  '24': "Check the practices' ODS codes in the directory (SDS), then request the transfer again.",
  '30': 'Request the transfer again; if it keeps failing, ask the sending practice to send the documents another way.',
};

/** What to do about a refusal with `code` by the sending practice's system. */
export function refusalNextStep(code: ReasonCode): string {
  return (
    REFUSAL_NEXT_STEPS[code] ??
    'Ask the sending practice why its system refused (quote the transfer id), then request the transfer again.'
  );
}

/** Reason codes a receiving practice may give when it rejects a transferred record. */
export const REJECTION_CODES = ['11', '13', '17', '21', '26', '28', '31'] as const satisfies readonly ReasonCode[];

/** Fatal sender errors on the request acknowledgement (the MI classifier's rule 4). */
export const FATAL_SENDER_CODES: ReadonlySet<string> = new Set(['06', '07', '10', '14', '23', '24', '30', '99']);
