export { describeSupplierAdapterContract, type SupplierAdapterContractOptions } from './adapter-contract.js';
export {
  assertValidR4,
  r4Errors,
  validateR4WithFhirPackage,
  validateR4WithMedplum,
  type R4Issue,
} from './validate-r4.js';
