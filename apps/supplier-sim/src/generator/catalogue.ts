/**
 * The clinical concepts the generator draws on, each with its code in every scheme the simulated systems speak.
 *
 * Every code here is real. Read v2 ↔ SNOMED CT pairs come from the sample GP2GP extracts and GP Connect records
 * (an entry coded in one scheme carrying the other as a translation); Read v2 codes are shown as their 5-character
 * code, without the 2-character term id. CTV3 includes the codes of Read v2 (SNOMED International's glossary, "Read
 * Code"), so a concept whose CTV3 code is not a CTV3-only one (checked against public CTV3 code lists) carries its
 * Read v2 code in CTV3 too. Concepts with `localOnly` have no national code at all (supplier-local codes as seen in
 * real EMIS records): they stand for items that cannot be translated and must be degraded, never dropped.
 */

export interface CodeRef {
  readonly code: string;
  readonly term: string;
  /** A local code: not part of the national scheme, so no map exists for it. */
  readonly local?: true;
}

export type ConceptKind =
  | 'condition'
  | 'finding'
  | 'observation'
  | 'allergy'
  | 'medication'
  | 'immunisation'
  | 'battery'
  | 'test'
  | 'referral'
  | 'procedure'
  | 'document';

export interface Concept {
  readonly key: string;
  readonly kind: ConceptKind;
  /** The term a clinician would see. */
  readonly term: string;
  /** Read v2, 5 characters; for `localOnly` concepts the supplier's local code. */
  readonly readV2: CodeRef;
  readonly ctv3: CodeRef;
  readonly snomed: CodeRef | null;
  readonly localOnly?: true;
}

type ConceptSpec = [
  key: string,
  kind: ConceptKind,
  readV2: string,
  readV2Term: string,
  ctv3: string | null,
  ctv3Term: string | null,
  snomed: string,
  snomedTerm: string,
];

// [key, kind, Read v2, Read v2 term, CTV3 (null = not confirmed), CTV3 term, SNOMED CT, SNOMED CT term]
// prettier-ignore
const SPECS: readonly ConceptSpec[] = [
  // Conditions and findings
  ['asthma', 'condition', 'H33..', 'Asthma', 'H33..', 'Asthma', '195967001', 'Asthma'],
  ['hypertension', 'condition', 'G20..', 'High blood pressure', 'G20..', 'High blood pressure (& [essential hypertension])', '38341003', 'Hypertensive disorder'],
  ['angina', 'condition', 'G33..', 'Angina pectoris', 'G33..', 'Angina', '194828000', 'Angina pectoris'],
  ['myocardial-infarction', 'condition', 'G30..', 'Heart attack', null, null, '22298006', 'Myocardial infarction'],
  ['anxiety', 'condition', 'E200.', 'Anxiety states', 'E200.', 'Anxiety disorder', '197480006', 'Anxiety disorder'],
  ['allergic-rhinitis', 'condition', 'H17..', 'Allergic rhinitis', null, null, '61582004', 'Allergic rhinitis'],
  ['hay-fever', 'condition', 'H170.', 'Allergic rhinitis due to pollens', null, null, '21719001', 'Allergic rhinitis due to pollen'],
  ['low-back-pain', 'condition', 'N142.', 'Low back pain', null, null, '279039007', 'Low back pain'],
  ['glaucoma', 'condition', 'F45..', 'Glaucoma', null, null, '23986001', 'Glaucoma'],
  ['gout', 'condition', 'C34..', 'Gout', null, null, '90560007', 'Gout'],
  ['irregular-periods', 'condition', 'K594.', 'Irregular menstrual cycle', null, null, '80182007', 'Irregular periods'],
  ['abdominal-pain', 'finding', '1969.', 'Abdominal pain', null, null, '21522001', 'Abdominal pain'],
  ['tired-all-the-time', 'finding', '1683.', 'Tired all the time', null, null, '267032009', 'Tired all the time'],
  ['co-low-back-pain', 'finding', '16C5.', 'C/O - low back pain', null, null, '161894002', 'C/O - low back pain'],
  ['dry-eyes', 'finding', '1B88.', 'Dry eyes', null, null, '162290004', 'Dry eyes'],
  ['foreign-travel', 'finding', '13X..', 'History of foreign travel', null, null, '161085007', 'History of foreign travel'],
  ['fh-cardiovascular', 'finding', '12C..', 'FH: Cardiovascular disease', null, null, '266894000', 'FH: Cardiovascular disease'],
  ['ex-light-smoker', 'finding', '1378.', 'Ex-light smoker (1-9/day)', '1378.', 'Ex-light smoker (1-9/day)', '266922007', 'Ex-light smoker (1-9/day)'],
  ['stopped-smoking', 'finding', '137K.', 'Stopped smoking', '137K.', 'Stopped smoking', '160617001', 'Stopped smoking'],
  ['light-drinker', 'finding', '1363.', 'Light drinker - 1-2u/day', null, null, '160575005', 'Light drinker - 1-2u/day'],
  ['asthma-never-disturbs-sleep', 'finding', '663O0', 'Asthma never disturbs sleep', '663O0', 'Asthma never disturbs sleep', '170636007', 'Asthma never disturbs sleep'],
  ['asthma-restricts-exercise', 'finding', '663e0', 'Asthma sometimes restricts exercise', '663e0', 'Asthma sometimes restricts exercise', '170656008', 'Asthma sometimes restricts exercise'],
  ['inhaler-technique-good', 'finding', '663H.', 'Inhaler technique - good', null, null, '170625000', 'Inhaler technique - good'],
  ['medication-review', 'procedure', '8B314', 'Medication review', null, null, '182836005', 'Review of medication'],
  // Measurements
  ['blood-pressure', 'observation', '246..', 'O/E - blood pressure reading', '246..', 'O/E - blood pressure reading', '163020007', 'O/E - blood pressure reading'],
  ['systolic-bp', 'observation', '2469.', 'O/E - Systolic BP reading', '2469.', 'O/E - Systolic BP reading', '72313002', 'Systolic arterial pressure'],
  ['diastolic-bp', 'observation', '246A.', 'O/E - Diastolic BP reading', '246A.', 'O/E - Diastolic BP reading', '1091811000000102', 'Diastolic arterial pressure'],
  ['weight', 'observation', '22A..', 'O/E - weight', '22A..', 'O/E - weight', '162763007', 'O/E - weight'],
  ['height', 'observation', '229..', 'O/E - height', '229..', 'O/E - height', '162755006', 'O/E - height'],
  ['bmi', 'observation', '22K..', 'Body mass index', '22K..', 'Body Mass Index', '60621009', 'Body mass index'],
  ['peak-flow', 'observation', '3395.', 'Peak exp. flow rate: PEFR/PFR', null, null, '29893006', 'Peak exp. flow rate: PEFR/PFR'],
  // Allergies
  ['amoxicillin-reaction', 'allergy', 'TJ003', 'Adverse reaction to amoxycillin', null, null, '292967008', 'Amoxycillin adverse reaction'],
  ['aspirin-allergy', 'allergy', '14LK.', 'H/O: aspirin allergy', 'Xa5dq', 'Aspirin allergy', '293586001', 'Aspirin allergy'],
  ['penicillin-allergy', 'allergy', '14L1.', 'H/O: penicillin allergy', null, null, '161591004', 'H/O: penicillin allergy'],
  ['peanut-allergy', 'allergy', 'SN582', 'Peanut allergy', null, null, '91935009', 'Allergy to peanuts'],
  ['egg-allergy', 'allergy', 'SN580', 'Egg allergy', null, null, '91930004', 'Allergy to eggs'],
  ['wasp-sting-allergy', 'allergy', 'SN592', 'Allergic reaction to wasp sting', null, null, '300909004', 'Allergic reaction to wasp sting'],
  ['latex-allergy', 'allergy', 'SN531', 'Latex allergy', null, null, '300916003', 'Latex allergy'],
  // Medication (dm+d for SNOMED CT; Read v2 and CTV3 share the drug chapter codes)
  ['amlodipine-5mg', 'medication', 'blb1.', 'AMLODIPINE 5mg tablets', 'blb1.', 'Amlodipine 5mg tablet', '319283006', 'Amlodipine 5mg tablets'],
  ['aspirin-75mg-dispersible', 'medication', 'bu23.', 'ASPIRIN 75mg disp tabs', 'bu23.', 'Aspirin 75mg dispersible tablet', '319773006', 'Aspirin 75mg dispersible tablets'],
  ['chloroquine-250mg', 'medication', 'ej26.', 'CHLOROQUINE PHOSPHATE 250mg tablets', 'ej26.', 'Chloroquine phosphate 250mg tablet', '324896003', 'Chloroquine phosphate 250mg tablets'],
  // Immunisations
  ['influenza-vaccination', 'immunisation', '65E..', 'Influenza vaccination', '65E..', 'Influenza vaccination', '86198006', 'Influenza vaccination'],
  ['seasonal-influenza-vaccination', 'immunisation', '65ED.', 'Seasonal influenza vaccination', 'XaZ0d', 'Seasonal influenza vaccination', '822851000000102', 'Seasonal influenza vaccination'],
  ['mmr-vaccination', 'immunisation', '65M1.', 'Measles/mumps/rubella vaccn.', null, null, '38598009', 'Measles/mumps/rubella vaccn.'],
  // Investigations: batteries and their results
  ['full-blood-count', 'battery', '424..', 'Full blood count - FBC', null, null, '1022441000000101', 'FBC - full blood count'],
  ['haemoglobin', 'test', '423..', 'Haemoglobin estimation', 'XE2m6', 'Haemoglobin estimation level', '1022431000000105', 'Haemoglobin estimation'],
  ['white-cell-count', 'test', '42H..', 'Total white cell count', '42H..', 'White blood cell count', '1022541000000102', 'Total white cell count'],
  ['red-cell-count', 'test', '426..', 'Red blood cell (RBC) count', '426..', 'Red blood cell count', '1022451000000103', 'Red blood cell count'],
  ['mean-cell-volume', 'test', '42A..', 'Mean corpuscular volume (MCV)', '42A..', 'Mean cell volume', '1022491000000106', 'MCV - Mean corpuscular volume'],
  ['platelet-count', 'test', '42P..', 'Platelet count', '42P..', 'Platelet count', '1022651000000100', 'Platelet count'],
  ['neutrophil-count', 'test', '42J..', 'Neutrophil count', '42J..', 'Neutrophil count', '1022551000000104', 'Neutrophil count'],
  ['lymphocyte-count', 'test', '42M..', 'Lymphocyte count', '42M..', 'Lymphocyte count', '1022581000000105', 'Lymphocyte count'],
  ['urea-electrolytes', 'battery', '44JB.', 'Urea and electrolytes', null, null, '1000971000000107', 'Urea and electrolytes level'],
  ['serum-sodium', 'test', '44I5.', 'Serum sodium', '44I5.', 'Serum sodium (& level)', '1000661000000107', 'Serum sodium level'],
  ['serum-potassium', 'test', '44I4.', 'Serum potassium', '44I4.', 'Serum potassium (& level)', '1000651000000109', 'Serum potassium level'],
  ['serum-urea', 'test', '44J9.', 'Serum urea level', null, null, '1000951000000103', 'Serum urea level'],
  ['serum-creatinine', 'test', '44J3.', 'Serum creatinine', 'XE2q5', 'Serum creatinine level', '1000731000000107', 'Serum creatinine level'],
  // Referrals and documents
  ['orthopaedic-referral', 'referral', '8H54.', 'Orthopaedic referral', null, null, '183545006', 'Orthopaedic referral'],
  ['attachment', 'document', '9b36.', 'Other digital signal', null, null, '37251000000104', 'Other digital signal'],
];

// Supplier-local codes (EMIS style) with no Read v2, CTV3 or SNOMED CT equivalent.
const LOCAL_ONLY: readonly [key: string, kind: ConceptKind, code: string, term: string][] = [
  ['preferred-contact-unknown', 'finding', 'EMISNQPR489', 'Preferred method of contact: unknown'],
  ['threats-of-violence', 'finding', 'EMISCTH1', 'Threats/reports of violence'],
  ['betel-nut-chewer', 'finding', 'EMISD_BE1', 'Betel nut chewer'],
];

function fromSpec([key, kind, readV2, readV2Term, ctv3, ctv3Term, snomed, snomedTerm]: ConceptSpec): Concept {
  return {
    key,
    kind,
    term: readV2Term,
    readV2: { code: readV2, term: readV2Term },
    ctv3: ctv3 !== null ? { code: ctv3, term: ctv3Term ?? readV2Term } : { code: readV2, term: readV2Term },
    snomed: { code: snomed, term: snomedTerm },
  };
}

function localOnly([key, kind, code, term]: (typeof LOCAL_ONLY)[number]): Concept {
  return {
    key,
    kind,
    term,
    readV2: { code, term, local: true },
    ctv3: { code, term, local: true },
    snomed: null,
    localOnly: true,
  };
}

export const CATALOGUE: ReadonlyMap<string, Concept> = new Map(
  [...SPECS.map(fromSpec), ...LOCAL_ONLY.map(localOnly)].map((concept) => [concept.key, concept]),
);

/** The concept for a key; throws on an unknown key, which is a bug in the generator. */
export function concept(key: string): Concept {
  const found = CATALOGUE.get(key);
  if (!found) throw new Error(`Unknown catalogue concept "${key}"`);
  return found;
}
