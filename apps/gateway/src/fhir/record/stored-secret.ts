import { randomBytes } from 'node:crypto';
import type { KeyValueStore } from '@lloyd/store';

/**
 * A 32-byte secret kept in the store under `key`: made by whichever replica asks first, then the same for every
 * replica on that store (paging links and resource ids made by one gateway are accepted by the others).
 */
export async function storedSecret(kv: KeyValueStore, key: string): Promise<Buffer> {
  await kv.setIfAbsent(key, randomBytes(32).toString('base64'));
  const stored = await kv.get(key);
  if (!stored) throw new Error(`the secret ${key} could not be kept in the store`);
  return Buffer.from(stored, 'base64');
}
