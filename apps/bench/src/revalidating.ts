import { request } from 'undici';

/** A supplier answer as a pass-through returns it. */
export interface PassedAnswer {
  readonly status: number;
  readonly type: string;
  readonly body: Buffer;
}

/**
 * GETs from the supplier as Lloyd's adapters do: each answer is kept with its ETag and asked for again with
 * `If-None-Match`, and a 304 returns the kept answer. Used by the read benchmark's revalidating pass-throughs.
 */
export function revalidatingClient(): (url: string) => Promise<PassedAnswer> {
  const kept = new Map<string, { etag: string; answer: PassedAnswer }>();
  return async (url) => {
    const held = kept.get(url);
    const response = await request(url, { headers: held ? { 'if-none-match': held.etag } : {} });
    if (response.statusCode === 304 && held) {
      await response.body.dump();
      return held.answer;
    }
    const answer: PassedAnswer = {
      status: response.statusCode,
      type: String(response.headers['content-type'] ?? 'application/xml'),
      body: Buffer.from(await response.body.arrayBuffer()),
    };
    const etag = response.headers['etag'];
    if (response.statusCode === 200 && typeof etag === 'string') kept.set(url, { etag, answer });
    return answer;
  };
}
