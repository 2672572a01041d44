// The transfer port lives in @lloyd/adapters-core (libs/adapters/core/src/transfer.ts), beside the adapter port.
export {
  isTransferEndpoint,
  TransferEndpoint,
  TransferRefusedError,
  type AttachmentSource,
  type ExportedExtract,
  type ExportedRecord,
  type ImportDecision,
  type IntegrationItem,
  type IntegrationMode,
  type IntegrationResult,
  type RecordDelivery,
  type TransferCallContext,
} from '@lloyd/adapters-core';
