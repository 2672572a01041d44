export {
  SupplierAdapter,
  type SupplierCallContext,
  type SupplierDocument,
  type SupplierPatient,
  type SupplierPatientFlags,
} from './supplier-adapter.js';
export {
  DocumentTooLargeError,
  SupplierError,
  SupplierProtocolError,
  SupplierTimeoutError,
  SupplierUnavailableError,
  type SupplierErrorOptions,
  type SupplierIdentity,
} from './errors.js';
export {
  documentUrlById,
  getDocumentById,
  getDocumentFromSupplier,
  getFromSupplier,
  readTextCapped,
  throwIfServerError,
  supplierBaseUrl,
  toSupplierError,
  type SupplierRequest,
  type SupplierResponse,
} from './http.js';
export { RevalidatedCache, type RevalidationOutcome } from './revalidated-cache.js';
export { deepFreeze } from '@lloyd/fhir';
export * from './canonical.js';
export * from './transfer.js';
export { compact, isUcumUnit, quantity, UCUM_SYSTEM, practiceReference, clinicianReference } from './fhir-build.js';
