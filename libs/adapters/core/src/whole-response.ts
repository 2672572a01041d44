import { getGlobalDispatcher, type Dispatcher } from 'undici';

/** A GET to a supplier system whose answer is read whole (see {@link requestWhole}). */
export interface WholeRequest {
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  /** Aborts the request at any point; the promise then rejects with the signal's reason. */
  readonly signal: AbortSignal;
  /** The most body bytes kept. */
  readonly maxBytes: number;
  /**
   * Whether the body of an answer with this status is wanted. Other bodies (a 5xx's, say) are read off the
   * connection and dropped, so the connection stays usable, and never count against `maxBytes`.
   */
  readonly keepBody: (status: number) => boolean;
  /** The error for a wanted body over `maxBytes`: `declared` is its Content-Length, NaN when it has none. */
  readonly tooLarge: (declared: number) => Error;
}

/** A supplier's answer, read whole. */
export interface WholeResponse {
  readonly statusCode: number;
  /** A header's value (the first, when the system sent it more than once), by lower-case name. */
  header(name: string): string | undefined;
  /** The body when `keepBody` wanted it, else empty. */
  readonly body: Buffer;
}

const EMPTY = Buffer.alloc(0);

const first = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);

/**
 * GETs `url` through undici's global dispatcher (the same connection pools as `undici.request`) and collects the
 * answer in a handler of undici's public `dispatch` API, without the per-request stream, async resource and abort
 * wiring of `request`. Supplier answers are small and always read whole, so those layers only cost time: about a
 * quarter of each call's CPU (58 against 44 µs for a 304, 67 against 50 µs for a 4 KB answer, 16 calls in flight
 * on one of these 2-core machines), or about 5% of a structured-record read, which makes two such calls.
 *
 * Rejects with the signal's reason when aborted, with `tooLarge(…)` when a wanted body is over `maxBytes` (by its
 * declared length, before any of it is read, or by what arrives), and with undici's own error for a connection that
 * fails.
 */
export function requestWhole(request: WholeRequest): Promise<WholeResponse> {
  const { url, signal, maxBytes } = request;
  return new Promise<WholeResponse>((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason as Error);
      return;
    }
    let controller: Dispatcher.DispatchController | undefined;
    let statusCode = 0;
    let headers: Record<string, string | string[] | undefined> = {};
    let keep = false;
    const chunks: Buffer[] = [];
    let received = 0;
    const abort = () => controller?.abort(signal.reason as Error);
    signal.addEventListener('abort', abort, { once: true });
    const done = () => signal.removeEventListener('abort', abort);
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(started) {
        controller = started;
        if (signal.aborted) started.abort(signal.reason as Error);
      },
      // Called for each informational (1xx) answer too, which has no body; the final answer's status and headers win.
      onResponseStart(started, status, responseHeaders) {
        statusCode = status;
        headers = responseHeaders;
        keep = request.keepBody(status);
        const declared = Number(first(responseHeaders['content-length']) ?? NaN);
        if (keep && declared > maxBytes) started.abort(request.tooLarge(declared));
      },
      onResponseData(started, chunk) {
        if (!keep || started.aborted) return;
        received += chunk.byteLength;
        if (received > maxBytes) started.abort(request.tooLarge(NaN));
        else chunks.push(chunk);
      },
      onResponseEnd() {
        done();
        const body = chunks.length === 0 ? EMPTY : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
        resolve({ statusCode, header: (name) => first(headers[name]), body });
      },
      onResponseError(_controller, error) {
        done();
        reject(error);
      },
    };
    try {
      getGlobalDispatcher().dispatch(
        { origin: url.origin, path: `${url.pathname}${url.search}`, method: 'GET', headers: request.headers },
        handler,
      );
    } catch (err) {
      done();
      reject(err instanceof Error ? err : new Error(String(err)));
    }
  });
}
