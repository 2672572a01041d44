import { randomBytes } from 'node:crypto';
import type { KeptSecret, StoredSecrets } from '@lloyd/auth';

/**
 * A 32-byte secret kept in the store under `key`: made by whichever replica asks first, then the same for every
 * replica on that store (paging links and resource ids made by one gateway are accepted by the others). When another
 * replica replaces it (the store was emptied), this one adopts it too and calls `onChange`.
 */
export function storedSecret(
  secrets: StoredSecrets,
  key: string,
  label: 'id-key' | 'paging-key',
  onChange?: (secret: Buffer) => void,
): Promise<KeptSecret<Buffer>> {
  const description = label === 'id-key' ? 'The resource id key' : 'The paging key';
  return secrets.keep({
    key,
    label,
    description,
    consequence:
      label === 'id-key'
        ? 'resource ids handed out before are no longer found'
        : '`next` links handed out before are no longer valid',
    create: () => randomBytes(32).toString('base64'),
    parse: (text) => {
      const secret = Buffer.from(text, 'base64');
      if (secret.length < 32) throw new Error(`${description} in the store (${key}) is shorter than 32 bytes`);
      return secret;
    },
    ...(onChange ? { onChange } : {}),
  });
}
