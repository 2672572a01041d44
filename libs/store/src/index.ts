export * from './ports.js';
export { InMemoryKeyValueStore } from './memory-kv.js';
