/**
 * Clinical content for the demo situations. Each function adds a coherent piece of history to a record builder;
 * the demo patients and the synthetic patients are assembled from them.
 */
import { addDays, addYears, partial } from './dates.js';
import type { Demographics } from './model.js';
import type { ConsultationDraft, RecordBuilder, ResultSpec } from './record-builder.js';

/** Sizes of the large record (9990000107). The defaults give an extract of a few MB; raise them for benchmarks. */
export interface LargeRecordOptions {
  /** Extra consultations beyond the full record. */
  readonly consultations: number;
  /** Attachments (documents) in the record. */
  readonly attachments: number;
  /** Bytes per attachment. */
  readonly attachmentBytes: number;
}

export const DEFAULT_LARGE_RECORD: LargeRecordOptions = {
  consultations: 250,
  attachments: 6,
  attachmentBytes: 1_000_000,
};

function fullBloodCount(b: RecordBuilder, person: Demographics, lowHaemoglobin: boolean): ResultSpec[] {
  const female = person.gender === 'female';
  const hbLow = female ? 115 : 130;
  const hbHigh = female ? 165 : 180;
  return [
    {
      concept: 'haemoglobin',
      value: lowHaemoglobin ? hbLow - b.random.int(8, 20) : b.random.int(hbLow + 5, hbHigh - 5),
      unit: 'g/L',
      low: hbLow,
      high: hbHigh,
    },
    { concept: 'white-cell-count', value: b.random.decimal(4.2, 10.5), unit: '10*9/L', low: 4, high: 11 },
    {
      concept: 'red-cell-count',
      value: b.random.decimal(4.1, 5.6, 2),
      unit: '10*12/L',
      low: female ? 3.8 : 4.5,
      high: female ? 5.8 : 6.5,
    },
    { concept: 'mean-cell-volume', value: b.random.int(82, 98), unit: 'fL', low: 80, high: 100 },
    { concept: 'platelet-count', value: b.random.int(160, 390), unit: '10*9/L', low: 150, high: 400 },
    { concept: 'neutrophil-count', value: b.random.decimal(2.1, 7.2), unit: '10*9/L', low: 2, high: 7.5 },
    { concept: 'lymphocyte-count', value: b.random.decimal(1.6, 3.8), unit: '10*9/L', low: 1.5, high: 4 },
  ];
}

function ureaAndElectrolytes(b: RecordBuilder): ResultSpec[] {
  return [
    { concept: 'serum-sodium', value: b.random.int(135, 145), unit: 'mmol/L', low: 133, high: 146 },
    { concept: 'serum-potassium', value: b.random.decimal(3.7, 5.1), unit: 'mmol/L', low: 3.5, high: 5.3 },
    { concept: 'serum-urea', value: b.random.decimal(3, 7.5), unit: 'mmol/L', low: 2.5, high: 7.8 },
    { concept: 'serum-creatinine', value: b.random.int(62, 101), unit: 'umol/L', low: 59, high: 104 },
  ];
}

function bloodPressure(b: RecordBuilder, c: ConsultationDraft, systolic: number, diastolic: number): void {
  b.observation('systolic-bp', c.day, { value: systolic, unit: 'mm[Hg]' }, { in: c });
  b.observation('diastolic-bp', c.day, { value: diastolic, unit: 'mm[Hg]' }, { in: c });
}

/**
 * The full record of CONTRACT.md: allergies (one resolved, drug and non-drug), repeat and acute medication with
 * issues, active and inactive problems, consultations, immunisations (one not given), test results, a referral and
 * a document. Some dates are partial (year or month only), as real records have.
 */
export function addFullRecord(b: RecordBuilder, person: Demographics): void {
  const r = b.random;
  const gp = b.clinician();
  const nurse = b.clinician('Practice Nurse');

  // Childhood: recorded later from paper notes, so only the year is known.
  b.immunisation('mmr-vaccination', partial(addDays(person.birthDate, 400), 'year'), { doseSequence: 1 });
  b.problem('asthma', partial(addYears(person.birthDate, r.int(5, 12)), 'year'), {
    status: 'active',
    significance: 'minor',
  });
  b.allergy('egg-allergy', partial(addYears(person.birthDate, 1), 'year'), {
    category: 'non-drug',
    status: 'resolved',
    reaction: 'Urticaria',
    severity: 'mild',
    endDate: partial(addYears(person.birthDate, 6), 'year'),
    endReason: 'Outgrown; tolerates baked egg',
  });
  b.allergy('amoxicillin-reaction', partial(b.daysAgo(r.int(4000, 5000)), 'year'), {
    category: 'drug',
    status: 'active',
    reaction: 'Widespread rash',
    severity: 'moderate',
  });
  b.allergy('peanut-allergy', partial(b.daysAgo(r.int(2500, 3200)), 'month'), {
    category: 'non-drug',
    status: 'active',
    reaction: 'Lip swelling and wheeze',
    severity: 'severe',
  });

  // Hypertension diagnosed about six years ago, treated with a repeat.
  const diagnosis = b.consultation(b.daysAgo(r.int(2100, 2300)), {
    clinician: gp,
    narrative: 'Raised BP on three readings. Lifestyle advice given.',
  });
  bloodPressure(b, diagnosis, r.int(155, 168), r.int(95, 104));
  const height = r.int(155, 190);
  const weight = r.int(60, 105);
  b.observation('height', diagnosis.day, { value: height, unit: 'cm' }, { in: diagnosis });
  b.observation('weight', diagnosis.day, { value: weight, unit: 'kg' }, { in: diagnosis });
  b.observation(
    'bmi',
    diagnosis.day,
    { value: Math.round((weight / (height / 100) ** 2) * 10) / 10, unit: 'kg/m2' },
    { in: diagnosis },
  );
  b.observation('ex-light-smoker', diagnosis.day, undefined, { in: diagnosis });
  b.observation('light-drinker', diagnosis.day, undefined, { in: diagnosis });
  const amlodipine = b.medication(
    'amlodipine-5mg',
    diagnosis.day,
    {
      type: 'repeat',
      dosage: 'One tablet to be taken once a day',
      quantity: { value: 56, unit: 'tablet' },
      daysSupply: 56,
      maxIssues: 60,
    },
    { in: diagnosis },
  );
  b.problem(
    'hypertension',
    diagnosis.day,
    { status: 'active', significance: 'major' },
    { items: [amlodipine] },
    { in: diagnosis },
  );

  // Travel advice and an acute prescription.
  const travel = b.consultation(b.daysAgo(r.int(1700, 1900)), {
    clinician: nurse,
    narrative: 'Travel clinic: malaria prophylaxis discussed.',
  });
  b.observation('foreign-travel', travel.day, undefined, { in: travel });
  b.medication(
    'chloroquine-250mg',
    travel.day,
    { type: 'acute', dosage: 'Two tablets once a week', quantity: { value: 20, unit: 'tablet' }, daysSupply: 70 },
    { in: travel },
  );

  // Back pain: referred, resolved. The recorded text carries characters that every native format must escape.
  const back = b.consultation(b.daysAgo(r.int(1300, 1450)), {
    clinician: gp,
    narrative: 'Pain <6/10 & improving with "simple" analgesia.',
  });
  const complaint = b.observation('co-low-back-pain', back.day, undefined, {
    in: back,
    term: 'C/O low back pain: "worse <2 weeks" & radiating to L leg',
  });
  const referral = b.referral(
    'orthopaedic-referral',
    back.day,
    {
      specialty: 'Trauma and orthopaedics',
      priority: 'routine',
      status: 'completed',
      reason: 'Persistent low back pain with radicular symptoms',
      recipient: `${person.address.town} General Hospital`,
    },
    { in: back },
  );
  const letter = b.document(addDays(back.day, r.int(40, 70)), {
    title: 'Orthopaedic clinic letter',
    contentType: 'text/plain',
    size: r.int(1800, 4200),
  });
  b.problem(
    'low-back-pain',
    back.day,
    { status: 'inactive', significance: 'minor', endDate: partial(addDays(back.day, r.int(90, 200)), 'month') },
    { items: [complaint, referral, letter] },
    { in: back },
  );

  // Angina, with aspirin as a repeat.
  const chest = b.consultation(b.daysAgo(r.int(900, 1100)), { clinician: gp });
  const aspirin = b.medication(
    'aspirin-75mg-dispersible',
    chest.day,
    {
      type: 'repeat',
      dosage: 'One tablet to be taken each day',
      quantity: { value: 28, unit: 'tablet' },
      daysSupply: 28,
      maxIssues: 60,
    },
    { in: chest },
  );
  bloodPressure(b, chest, r.int(132, 145), r.int(80, 88));
  b.problem('angina', chest.day, { status: 'active', significance: 'major' }, { items: [aspirin] }, { in: chest });

  // Asthma review by the nurse.
  const review = b.consultation(b.daysAgo(r.int(600, 700)), { clinician: nurse, narrative: 'Annual asthma review.' });
  b.observation('peak-flow', review.day, { value: r.int(380, 520), unit: 'L/min' }, { in: review });
  b.observation('inhaler-technique-good', review.day, undefined, { in: review });
  b.observation('asthma-never-disturbs-sleep', review.day, undefined, { in: review });

  // Bloods and a medication review by telephone.
  const bloods = b.consultation(b.daysAgo(r.int(300, 360)), {
    type: 'Telephone consultation',
    clinician: gp,
    narrative: 'Results discussed; repeat FBC in 3 months.',
  });
  b.observation('medication-review', bloods.day, undefined, { in: bloods });
  b.testResult('full-blood-count', bloods.day, fullBloodCount(b, person, true), {
    in: bloods,
    filingComment: 'Mildly low Hb - repeat in 3 months',
  });
  b.testResult('urea-electrolytes', bloods.day, ureaAndElectrolytes(b), { in: bloods });

  // Immunisations: one given last autumn, one declined the year before.
  const lastAutumn = `${Number(b.asOf.slice(0, 4)) - 1}-10-${String(r.int(1, 28)).padStart(2, '0')}`;
  const flu = b.consultation(lastAutumn, { clinician: nurse });
  b.immunisation('influenza-vaccination', lastAutumn, { site: 'Left upper arm', doseSequence: 1 }, { in: flu });
  b.immunisation('seasonal-influenza-vaccination', addYears(lastAutumn, -1), {
    given: false,
    notGivenReason: 'Patient declined',
  });
}

/** A handful of items: the record used for GP2GP transfers of a small extract. */
export function addSmallRecord(b: RecordBuilder): void {
  const r = b.random;
  b.allergy('penicillin-allergy', partial(b.daysAgo(r.int(3000, 4000)), 'year'), {
    category: 'drug',
    status: 'active',
    reaction: 'Rash',
  });
  const visit = b.consultation(b.daysAgo(r.int(200, 400)), { narrative: 'Seasonal symptoms, advised antihistamine.' });
  b.problem('hay-fever', visit.day, { status: 'active', significance: 'minor' }, {}, { in: visit });
  bloodPressure(b, visit, r.int(112, 130), r.int(70, 82));
  b.immunisation('influenza-vaccination', b.daysAgo(r.int(150, 250)));
}

/** Items whose supplier-local codes have no national equivalent: they must be degraded, never dropped. */
export function addLocalOnlyItems(b: RecordBuilder, count: 1 | 2 | 3 = 2): void {
  const visit = b.consultation(b.daysAgo(b.random.int(30, 120)), { type: 'Telephone consultation' });
  for (const key of ['preferred-contact-unknown', 'betel-nut-chewer', 'threats-of-violence'].slice(0, count)) {
    b.observation(key, visit.day, undefined, { in: visit });
  }
}

/** A confidential consultation with its items, among the ordinary ones. */
export function addConfidentialItems(b: RecordBuilder): void {
  const r = b.random;
  const visit = b.consultation(b.daysAgo(r.int(100, 200)), {
    clinician: b.clinician(),
    narrative: 'Sensitive discussion - not for disclosure outside the practice.',
    confidential: true,
  });
  const tired = b.observation('tired-all-the-time', visit.day, undefined, { in: visit, confidential: true });
  b.problem(
    'anxiety',
    visit.day,
    { status: 'active', significance: 'major' },
    { items: [tired] },
    { in: visit, confidential: true },
  );
  b.document(
    addDays(visit.day, 21),
    { title: 'Counselling service letter', contentType: 'text/plain', size: r.int(1500, 2500) },
    { confidential: true },
  );
}

/** Many consultations and large attachments, for GP2GP large messaging. */
export function addLargeHistory(b: RecordBuilder, options: LargeRecordOptions): void {
  const r = b.random;
  const span = 15 * 365;
  const consultations: ConsultationDraft[] = [];
  for (let i = 0; i < options.consultations; i++) {
    const visit = b.consultation(b.daysAgo(Math.round(((i + 1) * span) / (options.consultations + 1))), {
      type: r.pick(['Surgery consultation', 'Telephone consultation', 'Home visit']),
      narrative: `Review ${i + 1}: symptoms discussed, examination unremarkable, plan agreed with the patient.`,
    });
    bloodPressure(b, visit, r.int(125, 150), r.int(75, 92));
    if (r.chance(0.3)) b.observation('weight', visit.day, { value: r.int(70, 95), unit: 'kg' }, { in: visit });
    consultations.push(visit);
  }
  for (let i = 0; i < options.attachments; i++) {
    const visit = consultations[Math.floor((i * consultations.length) / Math.max(1, options.attachments))];
    const day = visit?.day ?? b.daysAgo(30 + i);
    b.document(
      day,
      { title: `Scanned hospital correspondence ${i + 1}`, contentType: 'text/plain', size: options.attachmentBytes },
      visit ? { in: visit } : {},
    );
  }
}

/** An ordinary record of varying size for the synthetic patients. */
/**
 * A typical synthetic record. `extraConsultations` adds that many further consultations (blood pressure, a symptom,
 * now and then a test), for benchmarks that want records of realistic size; 0 keeps the default small record.
 */
export function addTypicalRecord(b: RecordBuilder, person: Demographics, extraConsultations = 0): void {
  const r = b.random;
  if (r.chance(0.4)) {
    b.allergy(
      r.pick(['penicillin-allergy', 'aspirin-allergy', 'amoxicillin-reaction']),
      partial(b.daysAgo(r.int(400, 6000)), 'year'),
      { category: 'drug', status: 'active', reaction: 'Rash' },
    );
  }
  if (r.chance(0.2)) {
    b.allergy(r.pick(['latex-allergy', 'wasp-sting-allergy']), partial(b.daysAgo(r.int(400, 6000)), 'month'), {
      category: 'non-drug',
      status: 'active',
    });
  }
  const visits = r.int(1, 6);
  for (let i = 0; i < visits; i++) {
    const visit = b.consultation(b.daysAgo(r.int(30, 3650)));
    bloodPressure(b, visit, r.int(110, 160), r.int(65, 98));
    if (r.chance(0.5)) {
      const key = r.pick(['abdominal-pain', 'tired-all-the-time', 'dry-eyes', 'co-low-back-pain']);
      b.observation(key, visit.day, undefined, { in: visit });
    }
    if (i === 0 && r.chance(0.5)) {
      const med = b.medication(
        'amlodipine-5mg',
        visit.day,
        {
          type: 'repeat',
          dosage: 'One tablet daily',
          quantity: { value: 28, unit: 'tablet' },
          daysSupply: 28,
          maxIssues: 12,
        },
        { in: visit },
      );
      b.problem(
        'hypertension',
        visit.day,
        { status: 'active', significance: 'major' },
        { items: [med] },
        { in: visit },
      );
    }
  }
  if (r.chance(0.3))
    b.problem(r.pick(['gout', 'glaucoma', 'allergic-rhinitis']), partial(b.daysAgo(r.int(365, 5000)), 'year'), {
      status: r.pick(['active', 'inactive']),
      significance: 'minor',
    });
  if (r.chance(0.7)) b.immunisation('influenza-vaccination', b.daysAgo(r.int(100, 300)));
  if (r.chance(0.4)) b.testResult('full-blood-count', b.daysAgo(r.int(60, 900)), fullBloodCount(b, person, false));
  for (let i = 0; i < extraConsultations; i++) {
    const visit = b.consultation(b.daysAgo(r.int(30, 7300)));
    bloodPressure(b, visit, r.int(110, 160), r.int(65, 98));
    b.observation(
      r.pick(['abdominal-pain', 'tired-all-the-time', 'dry-eyes', 'co-low-back-pain']),
      visit.day,
      undefined,
      {
        in: visit,
      },
    );
    if (r.chance(0.15)) b.testResult('full-blood-count', visit.day, fullBloodCount(b, person, r.chance(0.2)));
  }
}
