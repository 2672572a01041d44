// Test helpers for GP2GP messages (not part of the library's runtime API).
export { arbitraryCanonicalRecord, recordWithEveryKind } from './arbitrary-record.js';
export { foldedComments, roundTripDifferences } from './compare-records.js';
export { FIXTURE_EXTRACT } from './fixture-extract.js';
export { TEST_BUILD_OPTIONS } from './build-options.js';
