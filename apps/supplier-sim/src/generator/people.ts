import { addDays } from './dates.js';
import type { Demographics, Gender, PersonName } from './model.js';
import { generalPractitioners, type PracticeProfile } from './practices.js';
import type { Random } from './random.js';

const FEMALE_GIVEN = [
  'Olivia',
  'Amelia',
  'Isla',
  'Ava',
  'Mia',
  'Grace',
  'Freya',
  'Aisha',
  'Zara',
  'Niamh',
  'Eleanor',
  'Ruth',
];
const MALE_GIVEN = [
  'Oliver',
  'George',
  'Arthur',
  'Noah',
  'Muhammad',
  'Leo',
  'Harry',
  'Oscar',
  'Jack',
  'Tomasz',
  'Idris',
  'Callum',
];
const MIDDLE = ['Anne', 'James', 'Louise', 'John', 'Marie', 'David', 'Rose', 'Edward'];
// Apostrophes and hyphens on purpose: they exercise escaping in every native format.
const FAMILY = [
  'Smith',
  'Jones',
  'Taylor',
  'Brown',
  'Williams',
  "O'Brien",
  'Patel',
  'Khan',
  'Wilson',
  'Evans',
  'Ahmed',
  'Thompson',
  'Smith-Jones',
  'Nowak',
  'Okafor',
  'Hughes',
];
const STREETS = [
  'Church Lane',
  'Station Road',
  'Victoria Street',
  'Park Avenue',
  'Mill Lane',
  'The Crescent',
  'Queens Road',
  'Orchard Close',
  'Albert Terrace',
  'Beech Grove',
];
const POSTCODE_LETTERS = 'ABDEFGHJLNPQRSTUWXYZ';

export interface PersonSpec {
  readonly nhsNumber: string;
  readonly sourceId: string;
  readonly asOf: string;
  readonly gender?: Gender;
  /** Age in whole years on the as-of date. */
  readonly age?: number;
  readonly deceasedDate?: string;
  readonly sensitive?: boolean;
  readonly registrationStatus?: 'active' | 'inactive';
}

export function personName(random: Random, gender: Gender): PersonName {
  const female = gender === 'female';
  const given = [random.pick(female ? FEMALE_GIVEN : MALE_GIVEN)];
  if (random.chance(0.5)) given.push(random.pick(MIDDLE));
  const title = female ? random.pick(['Mrs', 'Ms', 'Miss']) : 'Mr';
  return { title, given, family: random.pick(FAMILY) };
}

export function demographics(random: Random, practice: PracticeProfile, spec: PersonSpec): Demographics {
  const gender = spec.gender ?? (random.chance(0.5) ? 'female' : 'male');
  const age = spec.age ?? random.int(18, 90);
  const birthDate = addDays(spec.asOf, -(age * 365 + random.int(10, 350)));
  const registeredOn = addDays(spec.asOf, -random.int(400, Math.max(500, age * 300)));
  const postcode = `${practice.postcodeArea}${random.int(1, 28)} ${random.int(1, 9)}${random.pick([...POSTCODE_LETTERS])}${random.pick([...POSTCODE_LETTERS])}`;
  return {
    nhsNumber: spec.nhsNumber,
    name: personName(random, gender),
    gender,
    birthDate,
    address: {
      lines: [`${random.int(1, 180)} ${random.pick(STREETS)}`],
      town: practice.address.town,
      postcode,
    },
    phone: `${practice.dialCode} 0${String(random.int(100, 999))}`,
    registeredPracticeOds: practice.ods,
    usualGp: random.pick(generalPractitioners(practice)),
    registration: { status: spec.registrationStatus ?? 'active', type: 'GMS', since: registeredOn },
    ...(spec.deceasedDate ? { deceasedDate: spec.deceasedDate } : {}),
    sensitive: spec.sensitive ?? false,
  };
}
