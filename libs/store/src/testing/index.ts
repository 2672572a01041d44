export { describeKeyValueStoreContract, type ContractDispose, type ContractFactory } from './kv-contract.js';
export { describeBlobStoreContract } from './blob-contract.js';
export { describeJobQueueContract } from './queue-contract.js';
export { failingStream, patternBytes, readAll, sha256, sleep, streamOf, waitFor } from './helpers.js';
