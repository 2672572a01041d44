export {
  convertStructuredRecord,
  convertStructuredRecordWithReport,
  convertStu3BundleToR4Bundle,
  recordResources,
  type StructuredRecordConversion,
  type StructuredRecordOptions,
} from './convert/structured-record.js';
export { convertStu3Resource, CONVERTIBLE_TYPES } from './convert/resources.js';
export { Stu3ConversionError } from './convert/context.js';
export { DIARY_ENTRY_CATEGORY, REFERRAL_CATEGORY } from './convert/requests.js';
export type { ConversionReport } from './convert/report.js';
export { FhirStu3Adapter, type FhirStu3AdapterLogger, type FhirStu3AdapterOptions } from './fhir-stu3.adapter.js';
export { structuredRecordParameters } from './parameters.js';
export { FhirStu3Transfer } from './fhir-stu3.transfer.js';
export {
  STU3_TARGET_TYPES,
  toStu3Record,
  toStu3Resource,
  type Stu3RecordConversion,
  type Stu3RecordOptions,
} from './convert/to-stu3-record.js';
export { stu3CodeSystem, toStu3Value } from './convert/to-stu3-base.js';
