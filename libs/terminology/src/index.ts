export {
  layerMaps,
  readV2Key,
  sampleMaps,
  type SnomedTarget,
  type SourceScheme,
  type TerminologyMaps,
} from './code-maps.js';
export {
  CTV3_MAP_LAYOUT,
  loadNationalMaps,
  readMapFile,
  READV2_MAP_LAYOUT,
  type MapFileLayout,
  type NationalMaps,
} from './national-release.js';
export {
  degradedItemsIssue,
  isDegraded,
  RECORD_WARNING_SYSTEM,
  loadTerminology,
  Terminology,
  type ConceptOutcome,
  type NormalisedRecord,
  type TerminologyOptions,
} from './terminology.js';
export { terminologyReleaseDir, TerminologyModule } from './terminology.module.js';
