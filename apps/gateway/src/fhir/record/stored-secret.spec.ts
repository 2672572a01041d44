import { StoredSecrets } from '@lloyd/auth';
import { InMemoryKeyValueStore } from '@lloyd/store';
import { storedSecret } from './stored-secret.js';

const KEY = 'fhir:test-key';

describe('storedSecret', () => {
  it('makes a 32-byte secret once, shared by every replica on the store', async () => {
    const store = new InMemoryKeyValueStore();
    const [one, other] = await Promise.all([
      storedSecret(new StoredSecrets(store), KEY, 'id-key'),
      storedSecret(new StoredSecrets(store), KEY, 'id-key'),
    ]);
    expect(one.value).toHaveLength(32);
    expect(other.value.equals(one.value)).toBe(true);
    expect(await store.get(KEY)).toBe(one.value.toString('base64'));
  });

  it("hands on the store's new secret when another replica replaced it", async () => {
    const store = new InMemoryKeyValueStore();
    const secrets = new StoredSecrets(store);
    const changed: Buffer[] = [];
    const kept = await storedSecret(secrets, KEY, 'paging-key', (secret) => changed.push(secret));
    await store.delete(KEY);
    const replaced = await storedSecret(new StoredSecrets(store), KEY, 'paging-key');

    await secrets.checkAll();

    expect(kept.value.equals(replaced.value)).toBe(true);
    expect(changed).toEqual([replaced.value]);
  });

  it('refuses a stored secret shorter than 32 bytes', async () => {
    const store = new InMemoryKeyValueStore();
    await store.set(KEY, Buffer.alloc(16).toString('base64'));
    await expect(storedSecret(new StoredSecrets(store), KEY, 'id-key')).rejects.toThrow(/shorter than 32 bytes/);
  });
});
