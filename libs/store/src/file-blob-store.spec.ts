import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { blobFileName, FileBlobStore } from './file-blob-store.js';
import { failingStream, readAll } from './testing/index.js';

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name)));
}

describe('FileBlobStore', () => {
  let sandbox: string;
  let root: string;

  beforeEach(async () => {
    sandbox = await mkdtemp(join(tmpdir(), 'lloyd-file-blobs-'));
    root = join(sandbox, 'data', 'blobs');
  });

  afterEach(async () => {
    await rm(sandbox, { recursive: true, force: true });
  });

  it('keeps path-like keys inside its root', async () => {
    const store = new FileBlobStore(root);
    for (const key of ['../escape', '../../../../tmp/escape', '/etc/passwd', 'a/../../b', '..', '.', 'C:\\x']) {
      await store.put(key, `content of ${key}`);
      expect((await readAll(await store.get(key))).toString()).toBe(`content of ${key}`);
    }
    const outside = (await filesUnder(sandbox)).filter((file) => !file.startsWith(join('data', 'blobs')));
    expect(outside).toEqual([]);
    expect(await readdir(join(root, 'meta'))).toHaveLength(7);
  });

  it('maps keys to flat, non-hidden file names without path syntax', () => {
    for (const key of ['../x', '..', '.', 'a/b', 'a:b', '.env', 'ü', 'x'.repeat(1000)]) {
      const name = blobFileName(key);
      expect(name).not.toMatch(/[/\\:]/);
      expect(name.startsWith('.')).toBe(false);
      expect(name.length).toBeLessThanOrEqual(200);
    }
    expect(blobFileName('gp2gp/ehr-1.xml')).toBe('gp2gp%2Fehr-1.xml');
    expect(blobFileName('x'.repeat(1000))).not.toBe(blobFileName(`${'x'.repeat(999)}y`));
  });

  it('leaves no temporary or data files behind when a write fails midway', async () => {
    const store = new FileBlobStore(root);
    await store.put('kept', 'previous');
    const before = await filesUnder(root);
    await expect(store.put('kept', failingStream(3 * 1024 * 1024))).rejects.toThrow('upstream connection reset');
    await expect(store.put('fresh', failingStream(1024))).rejects.toThrow('upstream connection reset');
    expect(await filesUnder(root)).toEqual(before);
    expect(await readdir(join(root, 'tmp'))).toEqual([]);
  });

  it('drops the old data file when a blob is replaced or deleted', async () => {
    const store = new FileBlobStore(root);
    await store.put('doc', 'one');
    await store.put('doc', 'two');
    expect(await readdir(join(root, 'data'))).toHaveLength(1);
    await store.delete('doc');
    expect(await filesUnder(root)).toEqual([]);
  });

  it('lets a reader that already opened a blob finish it while the blob is replaced', async () => {
    const store = new FileBlobStore(root);
    await store.put('doc', 'old content');
    const reading = await store.get('doc');
    await store.put('doc', 'new content');
    expect((await readAll(reading)).toString()).toBe('old content');
    expect((await readAll(await store.get('doc'))).toString()).toBe('new content');
  });

  it('sweeps temporary files left by a crash a day ago, but not recent ones', async () => {
    await mkdir(join(root, 'tmp'), { recursive: true });
    const stale = join(root, 'tmp', 'stale-upload');
    const recent = join(root, 'tmp', 'recent-upload');
    await writeFile(stale, 'half written');
    await writeFile(recent, 'being written');
    const twoDaysAgo = new Date(Date.now() - 2 * 24 * 60 * 60 * 1000);
    await utimes(stale, twoDaysAgo, twoDaysAgo);
    await new FileBlobStore(root).put('any', 'x');
    expect(await readdir(join(root, 'tmp'))).toEqual(['recent-upload']);
  });

  it('rejects an empty key', async () => {
    await expect(new FileBlobStore(root).put('', 'x')).rejects.toThrow(/non-empty/);
  });
});
