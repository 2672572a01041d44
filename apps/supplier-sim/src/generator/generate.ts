import { addDays } from './dates.js';
import type { DocumentItem, SimulatedOds, SyntheticPatient } from './model.js';
import { SYNTHETIC_REGION_SIZE, syntheticNhsNumbers } from './nhs-number.js';
import { demographics, type PersonSpec } from './people.js';
import { DEMO_PRACTICES, practiceProfile } from './practices.js';
import { hashString, Random } from './random.js';
import { RecordBuilder } from './record-builder.js';
import {
  addConfidentialItems,
  addFullRecord,
  addLargeHistory,
  addLocalOnlyItems,
  addSmallRecord,
  addTypicalRecord,
  DEFAULT_LARGE_RECORD,
  type LargeRecordOptions,
} from './scenarios.js';

/** The fixed date records are generated relative to, so a seed yields the same records on any day. */
export const DEFAULT_AS_OF = '2025-06-01';

type Situation = 'full' | 'dissent' | 'confidential' | 'deceased' | 'sensitive' | 'small' | 'large';

interface DemoSpec {
  readonly nhsNumber: string;
  readonly ods: SimulatedOds;
  readonly situation: Situation;
}

/** The demo patients of CONTRACT.md. */
export const DEMO_PATIENTS: readonly DemoSpec[] = [
  { nhsNumber: '9990000018', ods: 'P10001', situation: 'full' },
  { nhsNumber: '9990000026', ods: 'P20002', situation: 'full' },
  { nhsNumber: '9990000034', ods: 'P30003', situation: 'full' },
  { nhsNumber: '9990000042', ods: 'P40004', situation: 'full' },
  { nhsNumber: '9990000050', ods: 'P10001', situation: 'dissent' },
  { nhsNumber: '9990000069', ods: 'P20002', situation: 'confidential' },
  { nhsNumber: '9990000077', ods: 'P10001', situation: 'deceased' },
  { nhsNumber: '9990000085', ods: 'P20002', situation: 'sensitive' },
  { nhsNumber: '9990000093', ods: 'P30003', situation: 'small' },
  { nhsNumber: '9990000107', ods: 'P10001', situation: 'large' },
];

export interface GeneratorOptions {
  readonly seed: number;
  /** Records are dated relative to this ISO date (default {@link DEFAULT_AS_OF}). */
  readonly asOf?: string;
  readonly largeRecord?: Partial<LargeRecordOptions>;
  /** Further consultations in every synthetic (non-demo) patient's record, for realistic record sizes (default 0). */
  readonly typicalExtraConsultations?: number;
}

function person(
  options: GeneratorOptions,
  ods: SimulatedOds,
  spec: Omit<PersonSpec, 'asOf' | 'sourceId'>,
  build: (b: RecordBuilder, p: SyntheticPatient['demographics']) => void,
  dissent = false,
): SyntheticPatient {
  const asOf = options.asOf ?? DEFAULT_AS_OF;
  const random = Random.derive(options.seed, `${ods}/${spec.nhsNumber}`);
  const practice = practiceProfile(ods);
  const sourceId = random.uuid();
  const demo = demographics(random, practice, { ...spec, asOf, sourceId });
  const builder = new RecordBuilder(random, practice, demo.deceasedDate ?? asOf);
  build(builder, demo);
  return { sourceId, demographics: demo, consent: { dissent }, record: builder.build() };
}

function demoPatient(options: GeneratorOptions, spec: DemoSpec): SyntheticPatient {
  const asOf = options.asOf ?? DEFAULT_AS_OF;
  const base = { nhsNumber: spec.nhsNumber };
  switch (spec.situation) {
    case 'full':
      return person(options, spec.ods, { ...base, age: 58 }, (b, p) => {
        addFullRecord(b, p);
        // P30003's records carry supplier-local codes that no map can translate.
        if (spec.ods === 'P30003') addLocalOnlyItems(b, 3);
      });
    case 'dissent':
      return person(options, spec.ods, { ...base, age: 44 }, (b) => addSmallRecord(b), true);
    case 'confidential':
      return person(options, spec.ods, { ...base, age: 37, gender: 'female' }, (b, p) => {
        addFullRecord(b, p);
        addConfidentialItems(b);
      });
    case 'deceased':
      return person(
        options,
        spec.ods,
        { ...base, age: 81, deceasedDate: addDays(asOf, -120), registrationStatus: 'inactive' },
        (b, p) => addFullRecord(b, p),
      );
    case 'sensitive':
      return person(options, spec.ods, { ...base, age: 29, sensitive: true }, (b, p) => addFullRecord(b, p));
    case 'small':
      return person(options, spec.ods, { ...base, age: 33 }, (b) => {
        addSmallRecord(b);
        addLocalOnlyItems(b, 1);
      });
    case 'large':
      return person(options, spec.ods, { ...base, age: 72 }, (b, p) => {
        addFullRecord(b, p);
        addLargeHistory(b, { ...DEFAULT_LARGE_RECORD, ...options.largeRecord });
      });
  }
}

/** The ten demo patients of CONTRACT.md, deterministically from the seed. */
export function generateDemoPatients(options: GeneratorOptions): SyntheticPatient[] {
  return DEMO_PATIENTS.map((spec) => demoPatient(options, spec));
}

/**
 * `count` further synthetic patients registered at `ods`, with valid NHS numbers from the synthetic range,
 * deterministically from the seed. Each practice has its own share of the range (999 1xx xxxx for P10001,
 * 999 2xx xxxx for P20002, …), so practices never collide; a share holds about 90,000 valid numbers.
 */
export function generatePatients(
  seed: number,
  count: number,
  ods: string,
  options: Omit<GeneratorOptions, 'seed'> = {},
): SyntheticPatient[] {
  const practice = practiceProfile(ods);
  const region = DEMO_PRACTICES.indexOf(practice);
  const offset = hashString(`${seed >>> 0}:${practice.ods}`) % SYNTHETIC_REGION_SIZE;
  const patients: SyntheticPatient[] = [];
  for (const nhsNumber of syntheticNhsNumbers(region, offset)) {
    if (patients.length >= count) break;
    patients.push(
      person({ ...options, seed }, practice.ods, { nhsNumber }, (b, p) =>
        addTypicalRecord(b, p, options.typicalExtraConsultations ?? 0),
      ),
    );
  }
  if (patients.length < count) {
    throw new Error(`Only ${patients.length} synthetic NHS numbers are available per practice; asked for ${count}.`);
  }
  return patients;
}

export interface DatasetOptions extends GeneratorOptions {
  /** Synthetic patients to add at each simulated practice (default 0). */
  readonly extraPatients?: number;
}

/** Everything the simulators serve: the demo patients plus any synthetic ones, with lookups. */
export class SyntheticDataset {
  readonly patients: readonly SyntheticPatient[];
  private readonly byNhsNumber = new Map<string, SyntheticPatient>();
  private readonly documents = new Map<string, { document: DocumentItem; patient: SyntheticPatient }>();

  constructor(readonly options: DatasetOptions) {
    const extra = options.extraPatients ?? 0;
    this.patients = [
      ...generateDemoPatients(options),
      ...(extra > 0 ? DEMO_PRACTICES.flatMap((p) => generatePatients(options.seed, extra, p.ods, options)) : []),
    ];
    for (const patient of this.patients) {
      this.byNhsNumber.set(patient.demographics.nhsNumber, patient);
      for (const document of patient.record.documents) this.documents.set(document.id, { document, patient });
    }
  }

  get seed(): number {
    return this.options.seed;
  }

  get asOf(): string {
    return this.options.asOf ?? DEFAULT_AS_OF;
  }

  /** The patient with this NHS number registered at `ods` (a system only knows its own practice's patients). */
  findPatient(ods: string, nhsNumber: string): SyntheticPatient | undefined {
    const patient = this.byNhsNumber.get(nhsNumber);
    return patient?.demographics.registeredPracticeOds === ods ? patient : undefined;
  }

  findDocument(ods: string, id: string): { document: DocumentItem; patient: SyntheticPatient } | undefined {
    const found = this.documents.get(id);
    return found?.patient.demographics.registeredPracticeOds === ods ? found : undefined;
  }

  patientsOf(ods: string): SyntheticPatient[] {
    return this.patients.filter((p) => p.demographics.registeredPracticeOds === ods);
  }
}
