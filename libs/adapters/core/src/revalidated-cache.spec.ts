import type { SupplierResponse } from './http.js';
import { RevalidatedCache } from './revalidated-cache.js';

/** A fake system: answers its current version, 304 when the client's validator matches it. */
function system(initial: { body: string; etag?: string }) {
  let current = initial;
  const seen: (string | undefined)[] = [];
  return {
    seen,
    change(next: { body: string; etag?: string }) {
      current = next;
    },
    request: (ifNoneMatch: string | undefined): Promise<SupplierResponse> => {
      seen.push(ifNoneMatch);
      if (ifNoneMatch !== undefined && ifNoneMatch === current.etag)
        return Promise.resolve({ status: 304, contentType: '', body: '', etag: current.etag });
      return Promise.resolve({
        status: 200,
        contentType: 'application/json',
        body: current.body,
        ...(current.etag ? { etag: current.etag } : {}),
      });
    },
  };
}

const parse = (response: SupplierResponse) => JSON.parse(response.body) as { v: number; items: number[] };

describe('RevalidatedCache', () => {
  it('revalidates every read and reuses the parsed value only on 304', async () => {
    const sys = system({ body: '{"v":1,"items":[1]}', etag: '"a"' });
    const outcomes: string[] = [];
    const cache = new RevalidatedCache(1_000_000, (o) => outcomes.push(o));
    let parses = 0;
    const counted = (r: SupplierResponse) => (parses++, parse(r));

    const first = await cache.read('k', sys.request, counted);
    const second = await cache.read('k', sys.request, counted);
    expect(second).toBe(first);
    expect(parses).toBe(1);
    expect(sys.seen).toEqual([undefined, '"a"']);

    sys.change({ body: '{"v":2,"items":[1,2]}', etag: '"b"' });
    const third = await cache.read('k', sys.request, counted);
    expect(third).toEqual({ v: 2, items: [1, 2] });
    expect(parses).toBe(2);
    expect(sys.seen).toEqual([undefined, '"a"', '"a"']);
    expect(await cache.read('k', sys.request, counted)).toBe(third);
    expect(outcomes).toEqual(['full', 'not-modified', 'changed', 'not-modified']);
  });

  it('asks again without a validator when its entry was dropped while the 304 was on its way', async () => {
    const sys = system({ body: '{"v":1,"items":[]}'.padEnd(100, ' '), etag: '"a"' });
    const other = system({ body: '{"v":2,"items":[]}'.padEnd(100, ' '), etag: '"b"' });
    const cache = new RevalidatedCache(150);
    await cache.read('k', sys.request, parse);
    const evicting = (ifNoneMatch: string | undefined) =>
      // Another request holds a new answer meanwhile, which pushes 'k' out of the budget.
      cache.read('other', other.request, parse).then(() => sys.request(ifNoneMatch));
    expect(await cache.read('k', evicting, parse)).toEqual({ v: 1, items: [] });
    expect(sys.seen).toEqual([undefined, '"a"', undefined]);
  });

  it('freezes what it holds, so no caller can change another request’s answer', async () => {
    const sys = system({ body: '{"v":1,"items":[1]}', etag: '"a"' });
    const cache = new RevalidatedCache(1_000_000);
    const value = await cache.read('k', sys.request, parse);
    expect(() => value.items.push(2)).toThrow(TypeError);
    expect(() => {
      (value as { v: number }).v = 9;
    }).toThrow(TypeError);
  });

  it('holds nothing without an ETag, or with a budget of 0, and then sends no validator', async () => {
    const untagged = system({ body: '{"v":1,"items":[]}' });
    const cache = new RevalidatedCache(1_000_000);
    const a = await cache.read('k', untagged.request, parse);
    const b = await cache.read('k', untagged.request, parse);
    expect(b).not.toBe(a);
    expect(untagged.seen).toEqual([undefined, undefined]);
    expect(Object.isFrozen(a)).toBe(false);

    const tagged = system({ body: '{"v":1,"items":[]}', etag: '"a"' });
    const off = new RevalidatedCache(0);
    await off.read('k', tagged.request, parse);
    await off.read('k', tagged.request, parse);
    expect(tagged.seen).toEqual([undefined, undefined]);
    expect(off.size).toEqual({ entries: 0, bytes: 0 });
  });

  it('drops the least recently used answers beyond its byte budget', async () => {
    const body = (n: number) => JSON.stringify({ v: n, items: [] }).padEnd(100, ' ');
    const systems = [0, 1, 2].map((n) => system({ body: body(n), etag: `"${n}"` }));
    const cache = new RevalidatedCache(250);
    await cache.read('k0', systems[0]!.request, parse);
    await cache.read('k1', systems[1]!.request, parse);
    await cache.read('k0', systems[0]!.request, parse); // k0 is now the most recently used
    await cache.read('k2', systems[2]!.request, parse);
    expect(cache.size).toEqual({ entries: 2, bytes: 200 });
    expect(systems[0]!.seen.at(-1)).toBe('"0"');
    await cache.read('k1', systems[1]!.request, parse);
    expect(systems[1]!.seen.at(-1)).toBeUndefined(); // k1 was dropped: asked again without a validator
    await cache.read('k0', systems[0]!.request, parse);
    expect(systems[0]!.seen.at(-1)).toBeUndefined(); // and holding k1 again pushed out k0, then the oldest
  });

  it('never holds an answer that failed to parse: the next read asks for the current version again', async () => {
    const sys = system({ body: '{"v":1,"items":[]}', etag: '"a"' });
    const cache = new RevalidatedCache(1_000_000);
    await cache.read('k', sys.request, parse);
    sys.change({ body: 'not json', etag: '"b"' });
    await expect(cache.read('k', sys.request, parse)).rejects.toThrow(SyntaxError);
    await expect(cache.read('k', sys.request, parse)).rejects.toThrow(SyntaxError);
    expect(sys.seen).toEqual([undefined, '"a"', '"a"']);
    sys.change({ body: '{"v":3,"items":[]}', etag: '"c"' });
    expect(await cache.read('k', sys.request, parse)).toEqual({ v: 3, items: [] });
  });
});
