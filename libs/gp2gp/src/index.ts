// The GP2GP transfer broker: transfers between any two supplier systems through their TransferEndpoint.
export { Gp2gp, type Gp2gpDependencies } from './gp2gp.js';
export { Gp2gpModule, endpointsFromDirectory } from './gp2gp.module.js';
export {
  DEFAULT_GP2GP_OPTIONS,
  GP2GP_CLOCK,
  GP2GP_OPTIONS,
  largeMessageTimeoutMs,
  type Gp2gpClock,
  type Gp2gpOptions,
} from './options.js';

// Model
export {
  TRANSFER_STATES,
  TERMINAL_STATES,
  isTerminal,
  isTransferState,
  type TransferState,
} from './model/transfer-state.js';
export type {
  IntegrationSummary,
  Requester,
  TimelineEntry,
  Transfer,
  TransferAttachment,
  TransferFailure,
} from './model/transfer.js';
export {
  FATAL_SENDER_CODES,
  GP2GP_REASON_SYSTEM,
  REASON_CODES,
  REJECTION_CODES,
  isReasonCode,
  type ReasonCode,
} from './model/reason-codes.js';

// Jobs and steps
export { Gp2gpJob, jobFor, jobIdFor, type Gp2gpJobPayload } from './jobs/gp2gp-job.js';
export type { StepResult, TransferStep } from './steps/step-runner.js';
export { TransferStepError } from './steps/step-error.js';
export { StepBusyError } from './store/step-lease.js';

// Parts others wire or replace
export { TransferEndpoints, type PracticeLookup } from './endpoints/transfer-endpoints.js';
export { AutoIntegrationPolicy } from './endpoints/auto-integration.js';
export { SpineTransport, InProcessSpineTransport, type FragmentMessage } from './messaging/spine-transport.js';
export { TransferEvents, type TransferEvent } from './events/transfer-events.js';
export { transferBlobs, transferKeys } from './store/transfer-keys.js';
export { OutOfOrderMessageError } from './sender/answer-continue.js';

// Use cases (HTTP)
export type { Gp2gpCaller } from './usecases/caller.js';
export { startTransferSchema, type StartTransferCommand, type StartedTransfer } from './usecases/start-transfer.js';
export type { TransferView } from './usecases/transfer-view.js';
export type { TransferList } from './usecases/list-transfers.js';
export type { ExtractReceipt } from './usecases/receive-extract.js';

// Management information
export { classifyTransfer, EIGHT_DAYS_MS, THREE_DAYS_MS, type TransferClass } from './report/classify-transfer.js';
export type { IntegrationReport, PracticeIntegrationStats } from './report/integration-report.js';
export { renderIntegrationReportCsv } from './report/render-csv.js';
export { londonDay } from './store/london-day.js';

// In-memory supplier systems for tests and benchmarks (no I/O beyond what the caller gives them).
export {
  FakeTransferSystem,
  generatedAttachment,
  generateBytes,
  readAll,
  type FakeSystemOptions,
  type ReceivedImport,
  type ReceiverBehaviour,
} from './testing/fake-systems.js';
export { sampleRecord } from './testing/sample-records.js';
