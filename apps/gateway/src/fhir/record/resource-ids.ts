import type { Provider } from '@nestjs/common';
import { StoredSecrets } from '@lloyd/auth';
import { LLOYD_CONFIG, type LloydConfig } from '@lloyd/config';
import { ResourceIdCodec } from '@lloyd/federation';
import { storedSecret } from './stored-secret.js';

const STORED_KEY = 'fhir:id-key';

/**
 * The gateway's {@link ResourceIdCodec}, sealing ids with `ids.key` (`LLOYD_ID_KEY`) when configured, or else with a
 * secret made once and kept in the store (adopted again when another replica replaces it). Set the key in production:
 * ids then survive a store that is emptied, and every replica agrees on them whatever store it uses.
 */
export const resourceIdsProvider: Provider = {
  provide: ResourceIdCodec,
  inject: [LLOYD_CONFIG, StoredSecrets],
  useFactory: async (config: LloydConfig, secrets: StoredSecrets) => {
    if (config.ids.key) return new ResourceIdCodec(Buffer.from(config.ids.key, 'base64'));
    // Only later checks of the store call back, once the codec exists.
    const kept = await storedSecret(secrets, STORED_KEY, 'id-key', (secret) => codec.rekey(secret));
    const codec = new ResourceIdCodec(kept.value);
    return codec;
  },
};
