import { BlobNotFoundError, type BlobStore } from '../ports.js';
import { failingStream, patternBytes, readAll, sha256, streamOf } from './helpers.js';
import type { ContractDispose, ContractFactory } from './kv-contract.js';

const MiB = 1024 * 1024;

/** The behaviour every {@link BlobStore} must show. The factory returns an empty store per test. */
export function describeBlobStoreContract(
  label: string,
  factory: ContractFactory<BlobStore>,
  dispose?: ContractDispose<BlobStore>,
): void {
  describe(`BlobStore contract: ${label}`, () => {
    let blobs: BlobStore;

    beforeEach(async () => {
      blobs = await factory();
    });

    afterEach(async () => {
      await dispose?.(blobs);
    });

    it('round-trips a multi-MiB stream with its size, SHA-256 and content type', async () => {
      const content = patternBytes(3 * MiB + 12_345);
      const info = await blobs.put('gp2gp/extract:1', streamOf(content), { contentType: 'application/xml' });
      expect(info).toEqual({
        key: 'gp2gp/extract:1',
        bytes: content.length,
        sha256: sha256(content),
        contentType: 'application/xml',
      });
      expect(await blobs.stat('gp2gp/extract:1')).toEqual(info);
      const back = await readAll(await blobs.get('gp2gp/extract:1'));
      expect(back.length).toBe(content.length);
      expect(back.equals(content)).toBe(true);
    });

    it('accepts strings (as UTF-8) and buffers, including empty content', async () => {
      const text = 'Größe ✓';
      const fromString = await blobs.put('s', text);
      expect(fromString.bytes).toBe(Buffer.byteLength(text));
      expect(fromString.sha256).toBe(sha256(Buffer.from(text, 'utf8')));
      expect((await readAll(await blobs.get('s'))).toString('utf8')).toBe(text);

      const buffer = patternBytes(1000, 'buffer');
      await blobs.put('b', buffer);
      expect((await readAll(await blobs.get('b'))).equals(buffer)).toBe(true);

      const empty = await blobs.put('empty', Buffer.alloc(0));
      expect(empty).toEqual({ key: 'empty', bytes: 0, sha256: sha256('') });
      expect((await readAll(await blobs.get('empty'))).length).toBe(0);
    });

    it('stores a blob whose size is an exact multiple of 1 MiB', async () => {
      const content = patternBytes(2 * MiB, 'exact');
      await blobs.put('exact', content);
      expect((await readAll(await blobs.get('exact'))).equals(content)).toBe(true);
    });

    it('replaces a blob on overwrite, including its metadata', async () => {
      const first = patternBytes(MiB + 7, 'first');
      await blobs.put('doc', streamOf(first), { contentType: 'text/plain' });
      const second = await blobs.put('doc', 'short replacement');
      expect(second).toEqual({ key: 'doc', bytes: 17, sha256: sha256('short replacement') });
      expect(await blobs.stat('doc')).toEqual(second);
      expect((await readAll(await blobs.get('doc'))).toString()).toBe('short replacement');
    });

    it('rejects a missing key with BlobNotFoundError, and stat gives null', async () => {
      const failure = blobs.get('no/such:blob');
      await expect(failure).rejects.toBeInstanceOf(BlobNotFoundError);
      await expect(failure).rejects.toMatchObject({ key: 'no/such:blob' });
      expect(await blobs.stat('no/such:blob')).toBeNull();
    });

    it('deletes blobs; deleting a missing key is a no-op', async () => {
      await blobs.put('gone', 'x');
      await blobs.delete('gone');
      expect(await blobs.stat('gone')).toBeNull();
      await expect(blobs.get('gone')).rejects.toBeInstanceOf(BlobNotFoundError);
      await expect(blobs.delete('gone')).resolves.toBeUndefined();
    });

    it('keeps the previous blob when a write fails midway', async () => {
      const previous = await blobs.put('ehr', 'previous content', { contentType: 'text/plain' });
      const error = new Error('upstream connection reset');
      await expect(blobs.put('ehr', failingStream(MiB + MiB / 2, error))).rejects.toBe(error);
      expect(await blobs.stat('ehr')).toEqual(previous);
      expect((await readAll(await blobs.get('ehr'))).toString()).toBe('previous content');
    });

    it('leaves no blob behind when the first write of a key fails', async () => {
      await expect(blobs.put('new', failingStream(MiB + 1))).rejects.toThrow('upstream connection reset');
      expect(await blobs.stat('new')).toBeNull();
      await expect(blobs.get('new')).rejects.toBeInstanceOf(BlobNotFoundError);
    });

    it('keeps keys that differ only in separators or encoding apart, and confines odd keys', async () => {
      const keys = ['a/b', 'a:b', 'a%2Fb', 'a_b', '../a', '../../etc/passwd', '.hidden', 'ü/✓', 'a'.repeat(300)];
      for (const key of keys) await blobs.put(key, `value of ${key}`);
      for (const key of keys) {
        expect((await readAll(await blobs.get(key))).toString()).toBe(`value of ${key}`);
        expect((await blobs.stat(key))?.key).toBe(key);
      }
      await blobs.delete('a/b');
      expect(await blobs.stat('a/b')).toBeNull();
      expect(await blobs.stat('a:b')).not.toBeNull();
    });

    it('ends concurrent overwrites with one complete, consistent blob', async () => {
      const versions = [0, 1, 2, 3].map((i) => patternBytes(MiB + 1000 * i, `version-${i}`));
      await Promise.all(versions.map((content) => blobs.put('contended', streamOf(content))));
      const stored = await readAll(await blobs.get('contended'));
      const info = await blobs.stat('contended');
      expect(versions.some((content) => content.equals(stored))).toBe(true);
      expect(info).toMatchObject({ bytes: stored.length, sha256: sha256(stored) });
    });
  });
}
