export * from './schema.js';
export * from './schema-access.js';
export { ConfigError, loadConfig, mergeConfig, projectRoot, type DeepPartial, type LoadConfigOptions } from './load.js';
export { ConfigModule, LLOYD_CONFIG } from './config.module.js';
