/** GP2GP negative-acknowledgement reason codes (code system `2.16.840.1.113883.2.1.3.2.4.17.101`). */
export const GP2GP_REASON_CODES = {
  '06': 'Patient not at surgery',
  '07': 'GP2GP messaging is not enabled on this system',
  '09': 'EHR extract received without corresponding request',
  '10': 'Failed to successfully generate the EHR extract',
  '11': 'Failed to successfully integrate the EHR extract',
  '12': 'Duplicate EHR extract received',
  '13': "The system's configuration prevents it from processing this message",
  '14': 'Not sent: requesting practice is not large-message compliant',
  '15': 'A-B-A EHR extract received and stored as suppressed record',
  '17': 'A-B-A EHR extract received and rejected due to wrong record or wrong patient',
  '18': 'Request message not well-formed or not able to be processed',
  '19': "Sender check indicates that requester is not the patient's current healthcare provider",
  '20': 'Spine system responded with an error',
  '21': 'EHR extract message not well-formed or not able to be processed',
  '23': 'Not sent: sending practice is not large-message compliant',
  '24': 'SDS lookup provided zero or more than one result to the query for each interaction',
  '25': 'Large messages rejected due to timeout duration reached of overall transfer',
  '26': "Returning patient's EHR extract received and filed as an attachment",
  '28': 'Non A-B-A EHR extract received and rejected due to wrong record or wrong patient',
  '29': 'Large message re-assembly failure',
  '30': 'Large message general failure',
  '31': 'The overall EHR extract has been rejected because one or more attachments via large messages were not received',
  '99': 'Unexpected condition',
} as const;

export type Gp2gpReasonCode = keyof typeof GP2GP_REASON_CODES;

export function isGp2gpReasonCode(code: string): code is Gp2gpReasonCode {
  return Object.hasOwn(GP2GP_REASON_CODES, code);
}
