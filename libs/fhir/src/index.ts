export * from './r4.js';
export * from './spine-codes.js';
export * from './outcomes.js';
export * from './bundles.js';
export * from './capability.js';
export { isValidNhsNumber } from './nhs-number.js';
export { deepFreeze, fhirJson, WrittenJson } from './fhir-json.js';
export { referencesIn } from './references.js';
export {
  ACT_CODE_SYSTEM,
  CONFIDENTIALITY_SYSTEM,
  hasConfidentialityLabel,
  isConfidentialityLabel,
} from './security-labels.js';
