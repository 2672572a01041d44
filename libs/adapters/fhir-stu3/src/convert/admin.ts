/** Who and where: Patient, Organization, Practitioner, PractitionerRole, Location (STU3 → R4). */
import { header } from './base.js';
import { careConnect, compact, isObject, subExtension, type Source } from './context.js';

/** GP Connect's NHSCommunication extension → R4 `Patient.communication` (language and preference). */
function communication(src: Source): fhir4.PatientCommunication[] | undefined {
  const fromElement = src.dt<fhir4.PatientCommunication[]>('communication') ?? [];
  const fromExtension = src.extension(careConnect('NHSCommunication')).flatMap((ext) => {
    const language = src.ctx.concept(subExtension(ext, 'language')?.['valueCodeableConcept'], 'Patient.communication');
    if (!language) return [];
    const preferred = subExtension(ext, 'preferred')?.['valueBoolean'];
    // Interpreter and mode of communication have no R4 element: counted as dropped.
    const rest = (Array.isArray(ext['extension']) ? ext['extension'].filter(isObject) : []).filter(
      (e) => e['url'] !== 'language' && e['url'] !== 'preferred',
    );
    for (const e of rest) src.ctx.dropExtensions([{ url: `${String(ext['url'])}#${String(e['url'])}` }]);
    return [compact({ language, preferred: typeof preferred === 'boolean' ? preferred : undefined })];
  });
  const all = [...fromElement, ...fromExtension];
  return all.length > 0 ? all : undefined;
}

export function convertPatient(src: Source, id: string): fhir4.Patient {
  return compact({
    ...header(src, 'Patient', id),
    identifier: src.dt<fhir4.Identifier[]>('identifier'),
    active: src.boolean('active'),
    name: src.dt<fhir4.HumanName[]>('name'),
    telecom: src.dt<fhir4.ContactPoint[]>('telecom'),
    gender: src.dt<fhir4.Patient['gender']>('gender'),
    birthDate: src.string('birthDate'),
    deceasedBoolean: src.boolean('deceasedBoolean'),
    deceasedDateTime: src.string('deceasedDateTime'),
    address: src.dt<fhir4.Address[]>('address'),
    maritalStatus: src.concept('maritalStatus'),
    multipleBirthBoolean: src.boolean('multipleBirthBoolean'),
    multipleBirthInteger: src.dt<number>('multipleBirthInteger'),
    photo: src.dt<fhir4.Attachment[]>('photo'),
    contact: src.dt<fhir4.PatientContact[]>('contact'),
    communication: communication(src),
    generalPractitioner: src.dt<fhir4.Reference[]>('generalPractitioner'),
    managingOrganization: src.dt<fhir4.Reference>('managingOrganization'),
    link: src.dt<fhir4.PatientLink[]>('link'),
  });
}

export function convertOrganization(src: Source, id: string): fhir4.Organization {
  return compact({
    ...header(src, 'Organization', id),
    identifier: src.dt<fhir4.Identifier[]>('identifier'),
    active: src.boolean('active'),
    type: src.concepts('type'),
    name: src.string('name'),
    alias: src.dt<string[]>('alias'),
    telecom: src.dt<fhir4.ContactPoint[]>('telecom'),
    address: src.dt<fhir4.Address[]>('address'),
    partOf: src.dt<fhir4.Reference>('partOf'),
    contact: src.dt<fhir4.OrganizationContact[]>('contact'),
    endpoint: src.dt<fhir4.Reference[]>('endpoint'),
  });
}

export function convertPractitioner(src: Source, id: string): fhir4.Practitioner {
  return compact({
    ...header(src, 'Practitioner', id),
    identifier: src.dt<fhir4.Identifier[]>('identifier'),
    active: src.boolean('active'),
    name: src.dt<fhir4.HumanName[]>('name'),
    telecom: src.dt<fhir4.ContactPoint[]>('telecom'),
    address: src.dt<fhir4.Address[]>('address'),
    gender: src.dt<fhir4.Practitioner['gender']>('gender'),
    birthDate: src.string('birthDate'),
    photo: src.dt<fhir4.Attachment[]>('photo'),
    qualification: src.dt<fhir4.PractitionerQualification[]>('qualification'),
    communication: src.concepts('communication'),
  });
}

export function convertPractitionerRole(src: Source, id: string): fhir4.PractitionerRole {
  return compact({
    ...header(src, 'PractitionerRole', id),
    identifier: src.dt<fhir4.Identifier[]>('identifier'),
    active: src.boolean('active'),
    period: src.dt<fhir4.Period>('period'),
    practitioner: src.dt<fhir4.Reference>('practitioner'),
    organization: src.dt<fhir4.Reference>('organization'),
    code: src.concepts('code'),
    specialty: src.concepts('specialty'),
    location: src.dt<fhir4.Reference[]>('location'),
    healthcareService: src.dt<fhir4.Reference[]>('healthcareService'),
    telecom: src.dt<fhir4.ContactPoint[]>('telecom'),
    availableTime: src.dt<fhir4.PractitionerRoleAvailableTime[]>('availableTime'),
    notAvailable: src.dt<fhir4.PractitionerRoleNotAvailable[]>('notAvailable'),
    availabilityExceptions: src.string('availabilityExceptions'),
    endpoint: src.dt<fhir4.Reference[]>('endpoint'),
  });
}

export function convertLocation(src: Source, id: string): fhir4.Location {
  return compact({
    ...header(src, 'Location', id),
    identifier: src.dt<fhir4.Identifier[]>('identifier'),
    status: src.dt<fhir4.Location['status']>('status'),
    operationalStatus: src.dt<fhir4.Coding>('operationalStatus'),
    name: src.string('name'),
    alias: src.dt<string[]>('alias'),
    description: src.string('description'),
    mode: src.dt<fhir4.Location['mode']>('mode'),
    // STU3 has one type, R4 a list.
    type: src.concepts('type'),
    telecom: src.dt<fhir4.ContactPoint[]>('telecom'),
    address: src.dt<fhir4.Address>('address'),
    physicalType: src.concept('physicalType'),
    position: src.dt<fhir4.LocationPosition>('position'),
    managingOrganization: src.dt<fhir4.Reference>('managingOrganization'),
    partOf: src.dt<fhir4.Reference>('partOf'),
    endpoint: src.dt<fhir4.Reference[]>('endpoint'),
  });
}
