export { sampleRecord } from './sample-records.js';
export {
  FakeTransferSystem,
  generatedAttachment,
  generateBytes,
  readAll,
  type FakeSystemOptions,
  type ReceivedImport,
  type ReceiverBehaviour,
} from './fake-systems.js';
export { createGp2gpHarness, FakeClock, processGp2gpJobs, type Gp2gpHarness, type HarnessOptions } from './harness.js';
