export * from './schema.js';
export * from './schema-access.js';
export {
  consumerMatches,
  consumersOverlap,
  describeConsumer,
  describePeriod,
  describeSharedConsumer,
  isCalendarDate,
  overlappingAgreements,
  periodsOverlap,
  unknownDataControllers,
  type AgreementConsumer,
  type AgreementOverlap,
  type AgreementTerms,
  type UnknownDataController,
} from './agreement-rules.js';
export { ConfigError, loadConfig, mergeConfig, projectRoot, type DeepPartial, type LoadConfigOptions } from './load.js';
export { ConfigModule, LLOYD_CONFIG } from './config.module.js';
