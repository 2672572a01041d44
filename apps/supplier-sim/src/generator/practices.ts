import type { Clinician, Practice, SimulatedOds } from './model.js';

/** Phone numbers use Ofcom's ranges reserved for drama (xxx 496 0xxx), so none rings a real person. */
interface PracticeSpec {
  readonly ods: SimulatedOds;
  readonly name: string;
  readonly street: string;
  readonly town: string;
  readonly postcodeArea: string;
  readonly postcode: string;
  readonly dialCode: string;
  readonly clinicians: readonly [
    sdsUserId: string,
    title: string,
    given: string,
    family: string,
    role: Clinician['role'],
  ][];
}

const SPECS: readonly PracticeSpec[] = [
  {
    ods: 'P10001',
    name: 'Riverside Medical Practice',
    street: '12 Wharf Street',
    town: 'Leeds',
    postcodeArea: 'LS',
    postcode: 'LS2 7EQ',
    dialCode: '0113 496',
    clinicians: [
      ['910000000101', 'Dr', 'Amelia', 'Hartley', 'General Medical Practitioner'],
      ['910000000102', 'Dr', 'Rohan', 'Mistry', 'General Medical Practitioner'],
      ['910000000103', 'Ms', 'Grace', 'Oduya', 'Practice Nurse'],
    ],
  },
  {
    ods: 'P20002',
    name: 'Moorland Surgery',
    street: '4 Ecclesall Road',
    town: 'Sheffield',
    postcodeArea: 'S',
    postcode: 'S11 8HW',
    dialCode: '0114 496',
    clinicians: [
      ['920000000201', 'Dr', 'Thomas', 'Whitworth', 'General Medical Practitioner'],
      ['920000000202', 'Dr', 'Priya', 'Raman', 'General Medical Practitioner'],
      ['920000000203', 'Mr', 'Daniel', 'Flynn', 'Practice Nurse'],
    ],
  },
  {
    ods: 'P30003',
    name: 'Castle Street Health Centre',
    street: '88 Castle Street',
    town: 'Nottingham',
    postcodeArea: 'NG',
    postcode: 'NG1 6AA',
    dialCode: '0115 496',
    clinicians: [
      ['930000000301', 'Dr', 'Helen', 'Marsh', 'General Medical Practitioner'],
      ['930000000302', 'Dr', 'Kwame', 'Asante', 'General Medical Practitioner'],
      ['930000000303', 'Ms', 'Laura', 'Kemp', 'Practice Nurse'],
    ],
  },
  {
    ods: 'P40004',
    name: 'Harbour View Medical Centre',
    street: '2 Quay Side',
    town: 'Bristol',
    postcodeArea: 'BS',
    postcode: 'BS1 4RN',
    dialCode: '0117 496',
    clinicians: [
      ['940000000401', 'Dr', 'Oliver', 'Pryce', 'General Medical Practitioner'],
      ['940000000402', 'Dr', 'Siobhan', "O'Neill", 'General Medical Practitioner'],
      ['940000000403', 'Mrs', 'Fatima', 'Begum', 'Practice Nurse'],
    ],
  },
];

export interface PracticeProfile extends Practice {
  readonly ods: SimulatedOds;
  readonly postcodeArea: string;
  readonly dialCode: string;
}

export const DEMO_PRACTICES: readonly PracticeProfile[] = SPECS.map((spec) => ({
  ods: spec.ods,
  name: spec.name,
  address: { lines: [spec.street], town: spec.town, postcode: spec.postcode },
  phone: `${spec.dialCode} 0000`,
  postcodeArea: spec.postcodeArea,
  dialCode: spec.dialCode,
  clinicians: spec.clinicians.map(([sdsUserId, title, given, family, role]) => ({
    sdsUserId,
    name: { title, given: [given], family },
    role,
  })),
}));

export function practiceProfile(ods: string): PracticeProfile {
  const practice = DEMO_PRACTICES.find((p) => p.ods === ods);
  if (!practice) throw new Error(`Unknown simulated practice "${ods}"; expected one of P10001, P20002, P30003, P40004`);
  return practice;
}

export function isSimulatedOds(ods: string): ods is SimulatedOds {
  return DEMO_PRACTICES.some((p) => p.ods === ods);
}

export function generalPractitioners(practice: Practice): Clinician[] {
  return practice.clinicians.filter((c) => c.role === 'General Medical Practitioner');
}
