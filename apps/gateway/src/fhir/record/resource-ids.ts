import type { Provider } from '@nestjs/common';
import { LLOYD_CONFIG, type LloydConfig } from '@lloyd/config';
import { ResourceIdCodec } from '@lloyd/federation';
import { KeyValueStore } from '@lloyd/store';
import { storedSecret } from './stored-secret.js';

const STORED_KEY = 'fhir:id-key';

/**
 * The gateway's {@link ResourceIdCodec}, sealing ids with `ids.key` (`LLOYD_ID_KEY`) when configured, or else with a
 * secret made once and kept in the store. Set the key in production: ids then survive a store that is emptied, and
 * every replica agrees on them whatever store it uses.
 */
export const resourceIdsProvider: Provider = {
  provide: ResourceIdCodec,
  inject: [LLOYD_CONFIG, KeyValueStore],
  useFactory: async (config: LloydConfig, kv: KeyValueStore) =>
    new ResourceIdCodec(config.ids.key ? Buffer.from(config.ids.key, 'base64') : await storedSecret(kv, STORED_KEY)),
};
