import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request an adapter made, as the recording proxy saw it. */
export interface RecordedRequest {
  method: string;
  path: string;
  ifNoneMatch?: string;
  status: number;
}

export interface RecordingProxy {
  /** The proxy's base URL: give it to the adapter instead of the system's. */
  url: string;
  /** Every request so far, in order of answer. */
  seen: RecordedRequest[];
  close(): Promise<void>;
}

/**
 * A pass-through HTTP proxy in front of a supplier system that records what an adapter asked and what the system
 * answered, so tests can check an adapter's conversation (how many calls, conditional reads) over real HTTP.
 */
export async function startRecordingProxy(target: string): Promise<RecordingProxy> {
  const base = new URL(target);
  const seen: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const forward = httpRequest(
      { host: base.hostname, port: base.port, path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        const ifNoneMatch = req.headers['if-none-match'];
        seen.push({
          method: req.method ?? '',
          path: req.url ?? '',
          status: answer.statusCode ?? 0,
          ...(ifNoneMatch ? { ifNoneMatch } : {}),
        });
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
