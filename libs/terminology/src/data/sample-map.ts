/**
 * Lloyd's built-in sample maps: Read v2 → SNOMED CT and CTV3 → SNOMED CT for every national code the demo data
 * uses, so the demo works without the national release (see README.md for loading the full national maps).
 *
 * Sources, each pair real:
 * - the clinical concept catalogue the synthetic record generator draws on (Read v2, CTV3 and SNOMED CT per concept;
 *   the pairs there come from GP2GP extracts and GP Connect records carrying one scheme as a translation of the
 *   other). A unit test holds this file to that catalogue;
 * - further Read v2 → SNOMED CT pairs carried as translations in the GP2GP sample extracts (NHS receiving adaptor
 *   test data), where the catalogue does not already have the Read code.
 *
 * Supplier-local codes (EMIS-style `EMIS…` codes, and codes the catalogue marks local) are deliberately absent: they
 * have no national map and must be degraded.
 *
 * Each row: [source code (5 characters, no term id), SNOMED CT concept id, SNOMED CT term].
 */

export type SampleMapRow = readonly [code: string, conceptId: string, display: string];

/** Read v2 codes of the demo data's concept catalogue. */
// prettier-ignore
export const READV2_CATALOGUE_ROWS: readonly SampleMapRow[] = [
  ['H33..', '195967001', 'Asthma'],
  ['G20..', '38341003', 'Hypertensive disorder'],
  ['G33..', '194828000', 'Angina pectoris'],
  ['G30..', '22298006', 'Myocardial infarction'],
  ['E200.', '197480006', 'Anxiety disorder'],
  ['H17..', '61582004', 'Allergic rhinitis'],
  ['H170.', '21719001', 'Allergic rhinitis due to pollen'],
  ['N142.', '279039007', 'Low back pain'],
  ['F45..', '23986001', 'Glaucoma'],
  ['C34..', '90560007', 'Gout'],
  ['K594.', '80182007', 'Irregular periods'],
  ['1969.', '21522001', 'Abdominal pain'],
  ['1683.', '267032009', 'Tired all the time'],
  ['16C5.', '161894002', 'C/O - low back pain'],
  ['1B88.', '162290004', 'Dry eyes'],
  ['13X..', '161085007', 'History of foreign travel'],
  ['12C..', '266894000', 'FH: Cardiovascular disease'],
  ['1378.', '266922007', 'Ex-light smoker (1-9/day)'],
  ['137K.', '160617001', 'Stopped smoking'],
  ['1363.', '160575005', 'Light drinker - 1-2u/day'],
  ['663O0', '170636007', 'Asthma never disturbs sleep'],
  ['663e0', '170656008', 'Asthma sometimes restricts exercise'],
  ['663H.', '170625000', 'Inhaler technique - good'],
  ['8B314', '182836005', 'Review of medication'],
  ['246..', '163020007', 'O/E - blood pressure reading'],
  ['2469.', '72313002', 'Systolic arterial pressure'],
  ['246A.', '1091811000000102', 'Diastolic arterial pressure'],
  ['22A..', '162763007', 'O/E - weight'],
  ['229..', '162755006', 'O/E - height'],
  ['22K..', '60621009', 'Body mass index'],
  ['3395.', '29893006', 'Peak exp. flow rate: PEFR/PFR'],
  ['TJ003', '292967008', 'Amoxycillin adverse reaction'],
  ['14LK.', '293586001', 'Aspirin allergy'],
  ['14L1.', '161591004', 'H/O: penicillin allergy'],
  ['SN582', '91935009', 'Allergy to peanuts'],
  ['SN580', '91930004', 'Allergy to eggs'],
  ['SN592', '300909004', 'Allergic reaction to wasp sting'],
  ['SN531', '300916003', 'Latex allergy'],
  ['blb1.', '319283006', 'Amlodipine 5mg tablets'],
  ['bu23.', '319773006', 'Aspirin 75mg dispersible tablets'],
  ['ej26.', '324896003', 'Chloroquine phosphate 250mg tablets'],
  ['65E..', '86198006', 'Influenza vaccination'],
  ['65ED.', '822851000000102', 'Seasonal influenza vaccination'],
  ['65M1.', '38598009', 'Measles/mumps/rubella vaccn.'],
  ['424..', '1022441000000101', 'FBC - full blood count'],
  ['423..', '1022431000000105', 'Haemoglobin estimation'],
  ['42H..', '1022541000000102', 'Total white cell count'],
  ['426..', '1022451000000103', 'Red blood cell count'],
  ['42A..', '1022491000000106', 'MCV - Mean corpuscular volume'],
  ['42P..', '1022651000000100', 'Platelet count'],
  ['42J..', '1022551000000104', 'Neutrophil count'],
  ['42M..', '1022581000000105', 'Lymphocyte count'],
  ['44JB.', '1000971000000107', 'Urea and electrolytes level'],
  ['44I5.', '1000661000000107', 'Serum sodium level'],
  ['44I4.', '1000651000000109', 'Serum potassium level'],
  ['44J9.', '1000951000000103', 'Serum urea level'],
  ['44J3.', '1000731000000107', 'Serum creatinine level'],
  ['8H54.', '183545006', 'Orthopaedic referral'],
  ['9b36.', '37251000000104', 'Other digital signal'],
];

/** Read v2 codes seen with a SNOMED CT translation in the GP2GP sample extracts, not in the catalogue. */
// prettier-ignore
export const READV2_EXTRACT_ROWS: readonly SampleMapRow[] = [
  ['0424.', '265943003', 'Etcher/engraver'],
  ['116..', '272054000', 'Poor historian'],
  ['1221.', '160267000', 'No FH: Glaucoma'],
  ['1291.', '160336000', 'FH: Huntington\'s chorea'],
  ['12C1.', '160357008', 'FH: Hypertension'],
  ['12D2.', '160377001', 'FH: Asthma'],
  ['12F5.', '160393005', 'FH: Menstrual disorder'],
  ['1334.', '20295000', 'Divorced'],
  ['1336.', '38070000', 'Cohabiting'],
  ['1352.', '160540005', 'Roman Catholic'],
  ['136F.', '160588008', 'Spirit drinker'],
  ['136Q.', '228279004', 'Very heavy drinker'],
  ['13lj.', '408522002', 'Main spoken language Gaelic'],
  ['14L2.', '562141000000103', 'H/O: antibiotic allergy NOS'],
  ['14LA.', '161600004', 'H/O: erythromycin allergy'],
  ['14LP.', '407580005', 'H/O: warfarin allergy'],
  ['14LS.', '417424008', 'H/O: combined calcium and vitamin D3 preparation allergy'],
  ['157..', '161779006', 'H/O: menstrual disorder'],
  ['3....', '103693007', 'Diagnostic procedures'],
  ['339D.', '271306003', 'Best ever peak flow rate'],
  ['339H.', '271508001', 'Predicted peak flow'],
  ['663S.', '170639000', 'Peak flow meter at home'],
  ['66CC.', '170805002', 'Wants to lose weight'],
  ['7K20.', '265157000', 'Total prosthetic replacement of hip joint using cement'],
  ['7K20y', '265157000', 'Total prosthetic replacement of hip joint using cement OS'],
  ['7K30.', '265170009', 'Total prosthetic replacement of knee joint using cement'],
  ['8B3x.', '88551000000109', 'Medication review with patient'],
  ['8D6E.', '309848007', 'Cystostomy bag fitting'],
  ['8H3..', '183481006', 'Non-urgent hospital admission'],
  ['8H61.', '266747000', 'Referral to private doctor'],
  ['8H62.', '183561008', 'Referral to G.P.'],
  ['8Hh..', '306098008', 'Self-referral'],
  ['93C0.', '417528008', 'Consent given for upload to local shared electronic record'],
  ['9N43.', '185328004', 'Patient too late'],
  ['9i10.', '494161000000100', 'White Irish - ethnic category 2001 census'],
  ['A57y5', '359814004', 'Monkeypox'],
  ['A6610', '24069003', 'Nairobi sheep disease'],
  ['F4F14', '46152009', 'Dry eye syndrome'],
  ['G200.', '78975002', 'Malignant essential hypertension'],
  ['G2z..', '599341000000105', 'Hypertensive disease NOS'],
  ['K500.', '76376003', 'Endometriosis of uterus'],
  ['N085C', '202307002', 'Ankylosis of the elbow joint'],
  ['PKyz5', '76880004', 'Happy puppet syndrome'],
  ['R0228', '496561000000103', '[D]Lump on back'],
  ['R1y3.', '501631000000108', '[D]Low blood pressure reading'],
  ['SN52.', '603051000000102', 'Drug hypersensitivity NOS'],
  ['T5080', '215964002', 'Forced landing on takeoff - occupant of spacecraft injured'],
  ['TJ944', '292360004', 'Adverse reaction to diazepam'],
  ['TJB10', '292534001', 'Adverse reaction to atropine'],
  ['ZV14K', '192911000000109', '[V]Personal history of bisphosphonate allergy'],
  ['ZVu6M', '424251000000100', '[X]Personal history of allergy to other antibiotic agents'],
];

/**
 * CTV3 codes of the demo data's concept catalogue as public CTV3 code lists confirm them (CTV3-only codes, and Read v2
 * codes seen in CTV3 lists). The CTV3 map also holds the catalogue's other Read v2 codes, which CTV3 includes (see
 * code-maps.ts).
 */
// prettier-ignore
export const CTV3_CATALOGUE_ROWS: readonly SampleMapRow[] = [
  ['H33..', '195967001', 'Asthma'],
  ['G20..', '38341003', 'Hypertensive disorder'],
  ['G33..', '194828000', 'Angina pectoris'],
  ['E200.', '197480006', 'Anxiety disorder'],
  ['1378.', '266922007', 'Ex-light smoker (1-9/day)'],
  ['137K.', '160617001', 'Stopped smoking'],
  ['663O0', '170636007', 'Asthma never disturbs sleep'],
  ['663e0', '170656008', 'Asthma sometimes restricts exercise'],
  ['246..', '163020007', 'O/E - blood pressure reading'],
  ['2469.', '72313002', 'Systolic arterial pressure'],
  ['246A.', '1091811000000102', 'Diastolic arterial pressure'],
  ['22A..', '162763007', 'O/E - weight'],
  ['229..', '162755006', 'O/E - height'],
  ['22K..', '60621009', 'Body mass index'],
  ['Xa5dq', '293586001', 'Aspirin allergy'],
  ['blb1.', '319283006', 'Amlodipine 5mg tablets'],
  ['bu23.', '319773006', 'Aspirin 75mg dispersible tablets'],
  ['ej26.', '324896003', 'Chloroquine phosphate 250mg tablets'],
  ['65E..', '86198006', 'Influenza vaccination'],
  ['XaZ0d', '822851000000102', 'Seasonal influenza vaccination'],
  ['XE2m6', '1022431000000105', 'Haemoglobin estimation'],
  ['42H..', '1022541000000102', 'Total white cell count'],
  ['426..', '1022451000000103', 'Red blood cell count'],
  ['42A..', '1022491000000106', 'MCV - Mean corpuscular volume'],
  ['42P..', '1022651000000100', 'Platelet count'],
  ['42J..', '1022551000000104', 'Neutrophil count'],
  ['42M..', '1022581000000105', 'Lymphocyte count'],
  ['44I5.', '1000661000000107', 'Serum sodium level'],
  ['44I4.', '1000651000000109', 'Serum potassium level'],
  ['XE2q5', '1000731000000107', 'Serum creatinine level'],
];
