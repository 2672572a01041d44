export { PatientRegistry, ConfigPatientRegistry } from './patient-registry.js';
export { StorePatientRegistry } from './store-patient-registry.js';
export { SupplierDirectory, type SupplierEndpoint } from './supplier-directory.js';
export {
  SupplierCaller,
  type BreakerState,
  type SupplierCallObserver,
  type SupplierCallOutcome,
} from './supplier-caller.js';
export { FederationModule } from './federation.module.js';
export { ResourceIdCodec, matchesSourceId, type ResourceRef } from './resource-id.js';
export { TransferMarkers } from './transfer-markers.js';
