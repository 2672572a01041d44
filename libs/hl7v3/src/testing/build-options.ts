import type { BuildEhrExtractOptions } from '../build/build-ehr-extract.js';

/** Fixed message and conversation ids, parties and time, so that tests building extracts get the same bytes. */
export const TEST_BUILD_OPTIONS: BuildEhrExtractOptions = {
  messageId: 'A1B2C3D4-0000-4000-8000-000000000001',
  conversationId: 'C0000000-0000-4000-8000-000000000001',
  fromAsid: '200000000111',
  toAsid: '200000000222',
  toOds: 'B67890',
  now: new Date('2024-05-01T10:00:00Z'),
};
