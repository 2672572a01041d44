import type { RecordSection } from '@lloyd/config';

/** GP Connect's primary List per clinical area: the SNOMED CT code and title. */
export const SECTION_LISTS: Record<Exclude<RecordSection, 'documents'>, { code: string; title: string }> = {
  allergies: { code: '886921000000105', title: 'Allergies and adverse reactions' },
  medications: { code: '933361000000108', title: 'Medications and medical devices' },
  problems: { code: '717711000000103', title: 'Problems' },
  consultations: { code: '1149501000000101', title: 'List of consultations' },
  immunisations: { code: '1102181000000102', title: 'Immunisations' },
  investigations: { code: '887191000000108', title: 'Investigations and results' },
  referrals: { code: '792931000000107', title: 'Outbound referral' },
  uncategorised: { code: '826501000000100', title: 'Miscellaneous record' },
};

export const ENDED_ALLERGIES_LIST = {
  code: '1103671000000101',
  title: 'Ended allergies (resolved allergies are contained here)',
};

export const LIST_WARNING_EXTENSION = 'https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-ListWarningCode';
export const LIST_WARNING_TEXT = {
  'confidential-items': 'Items excluded due to confidentiality and/or patient preferences.',
  'data-in-transit':
    'Patient record transfer from previous GP practice not yet complete. Information recorded before the transfer may be missing.',
  'data-awaiting-filing':
    'Patient data may be incomplete as there is data supplied by a third party awaiting review before becoming available.',
} as const;
export type ListWarning = keyof typeof LIST_WARNING_TEXT;
