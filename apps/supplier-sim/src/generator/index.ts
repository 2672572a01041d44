export * from './model.js';
export { CATALOGUE, concept, type CodeRef, type Concept, type ConceptKind } from './catalogue.js';
export { isValidNhsNumber, nhsCheckDigit } from './nhs-number.js';
export { DEMO_PRACTICES, practiceProfile, isSimulatedOds } from './practices.js';
export { Random, mulberry32 } from './random.js';
export { DEFAULT_LARGE_RECORD, type LargeRecordOptions } from './scenarios.js';
export {
  DEFAULT_AS_OF,
  DEMO_PATIENTS,
  generateDemoPatients,
  generatePatients,
  SyntheticDataset,
  type DatasetOptions,
  type GeneratorOptions,
} from './generate.js';
export { documentContent } from './documents.js';
