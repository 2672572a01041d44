/** The FHIR R4 types Lloyd uses, re-exported from @types/fhir's r4 namespace under short names. */
export type Resource = fhir4.Resource;
export type DomainResource = fhir4.DomainResource;
export type Bundle<T extends Resource = Resource> = fhir4.Bundle<T>;
export type BundleEntry<T extends Resource = Resource> = fhir4.BundleEntry<T>;
export type OperationOutcome = fhir4.OperationOutcome;
export type OperationOutcomeIssue = fhir4.OperationOutcomeIssue;
export type CapabilityStatement = fhir4.CapabilityStatement;
export type Patient = fhir4.Patient;
export type Organization = fhir4.Organization;
export type Practitioner = fhir4.Practitioner;
export type PractitionerRole = fhir4.PractitionerRole;
export type Coding = fhir4.Coding;
export type CodeableConcept = fhir4.CodeableConcept;
export type Identifier = fhir4.Identifier;
export type Extension = fhir4.Extension;
export type Parameters = fhir4.Parameters;
export type AuditEvent = fhir4.AuditEvent;
export type List = fhir4.List;

export const NHS_NUMBER_SYSTEM = 'https://fhir.nhs.uk/Id/nhs-number';
export const ODS_ORGANISATION_SYSTEM = 'https://fhir.nhs.uk/Id/ods-organization-code';
export const SDS_USER_SYSTEM = 'https://fhir.nhs.uk/Id/sds-user-id';
export const SNOMED_SYSTEM = 'http://snomed.info/sct';
export const READV2_SYSTEM = 'http://read.info/readv2';
export const CTV3_SYSTEM = 'http://read.info/ctv3';
