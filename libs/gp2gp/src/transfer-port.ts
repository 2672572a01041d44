// The transfer port lives in @lloyd/adapters-core (libs/adapters/core/src/transfer.ts). Until that lib's index
// exports it, this is the one place that reaches it; replace the path by '@lloyd/adapters-core' then.
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
} from '../../adapters/core/src/transfer.js';
