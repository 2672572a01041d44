export { fileRecordWithout } from './change-record.js';
export { startRecordingProxy, type RecordedRequest, type RecordingProxy } from './recording-proxy.js';
export { describeSupplierAdapterContract, type SupplierAdapterContractOptions } from './adapter-contract.js';
export {
  CONFORMANCE_CHECKS,
  ConformanceFailure,
  preflightConformance,
  runConformanceChecks,
  type ConformanceCheck,
  type ConformanceFixture,
  type ConformancePreflightOptions,
  type ConformancePreflightProblem,
  type ConformanceRunOptions,
  type ConformanceResult,
  type ConformanceStatus,
} from './conformance.js';
export {
  allResources,
  codedElements,
  codingProblems,
  confidentialityCounts,
  idProblems,
  patientReferenceProblems,
  referenceProblems,
  sectionsPresent,
  type CodingExpectation,
} from './record-checks.js';
export {
  assertValidR4,
  r4Errors,
  validateR4WithFhirPackage,
  validateR4WithMedplum,
  type R4Issue,
} from './validate-r4.js';
export { digestOf, generatedAttachment, generateBytes } from './attachments.js';
