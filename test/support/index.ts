export { describeWithRedis, redisAvailable, startRedis, type RedisServer } from './redis.js';
export { describeWithSharedData, sharedDataAvailable, sharedDataPath, SHARED_DATA_DIR } from './shared-data.js';
export { clientAssertion, devClientKey, fetchToken, type DevClient, type TokenRequest } from './tokens.js';
export { startLloyd, type RunningLloyd, type StartLloydOptions } from './lloyd.js';
export { describeWithSchemas, expectSchemaValid, type SchemaValidator } from './schema-suite.js';
export { validateWithXmllint, xmllintAvailable, type SchemaResult } from './xmllint.js';
export { expectOutcomeError } from './outcome-error.js';
export { freePort } from './ports.js';
