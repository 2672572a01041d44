import { request as undiciRequest, type Dispatcher } from 'undici';
import {
  SupplierProtocolError,
  SupplierTimeoutError,
  SupplierUnavailableError,
  type SupplierIdentity,
} from './errors.js';
import type { SupplierCallContext } from './supplier-adapter.js';

const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed while sending',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_SOCKET: 'connection closed by the system',
  UND_ERR_CLOSED: 'connection closed by the system',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  UND_ERR_HEADERS_TIMEOUT: 'no response headers in time',
  UND_ERR_BODY_TIMEOUT: 'response body stalled',
};

function errorCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Turns whatever a call to a supplier threw into a supplier error: aborted → timeout; network failures → unavailable;
 * supplier errors pass through; anything else (a bug in the adapter) is rethrown as is.
 */
export function toSupplierError(err: unknown, identity: SupplierIdentity, signal: AbortSignal): Error {
  if (
    err instanceof SupplierUnavailableError ||
    err instanceof SupplierTimeoutError ||
    err instanceof SupplierProtocolError
  ) {
    return err;
  }
  if (signal.aborted || (err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError'))) {
    return new SupplierTimeoutError({ ...identity, detail: 'the call was aborted', cause: err });
  }
  const code = errorCode(err);
  if (code !== undefined || (err instanceof TypeError && err.message === 'fetch failed')) {
    const detail = code ? `${NETWORK_CODES[code] ?? 'network error'} (${code})` : 'network error';
    return new SupplierUnavailableError({ ...identity, detail, cause: err });
  }
  return err instanceof Error ? err : new Error(String(err), { cause: err });
}

/**
 * A 5xx answer means the system is unavailable (a {@link SupplierUnavailableError}, which reads retry); its body is
 * released unread. Other answers pass.
 */
export async function throwIfServerError(response: Response, identity: SupplierIdentity, label: string): Promise<void> {
  if (response.status < 500) return;
  await response.body?.cancel();
  throw new SupplierUnavailableError({
    ...identity,
    status: response.status,
    detail: `HTTP ${response.status} to the ${label}`,
  });
}

/** Reads a response body as UTF-8 text, refusing more than `maxBytes` (a system must not exhaust our memory). */
export async function readTextCapped(
  response: Response,
  maxBytes: number,
  identity: SupplierIdentity,
): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (declared > maxBytes) {
    await response.body?.cancel();
    throw new SupplierProtocolError({
      ...identity,
      detail: `answer of ${declared} bytes exceeds the limit of ${maxBytes}`,
    });
  }
  if (!response.body) return '';
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw new SupplierProtocolError({ ...identity, detail: `answer exceeds the limit of ${maxBytes} bytes` });
    }
    chunks.push(value);
  }
  return new TextDecoder('utf-8').decode(Buffer.concat(chunks));
}

/**
 * A system's configured base URL as the base for its relative paths. A trailing slash is added when missing, so
 * `new URL('patients', base)` resolves under the base path rather than beside it.
 */
export function supplierBaseUrl(baseUrl: string): URL {
  return new URL(baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
}

export interface SupplierRequest {
  readonly url: URL;
  /** Names the interaction in error messages, e.g. "patient search" (URLs may carry patient identifiers). */
  readonly label: string;
  readonly accept: string;
  /** Statuses the caller handles itself (e.g. 404); others than 2xx and these become supplier errors. */
  readonly expectedStatuses?: readonly number[];
  readonly maxBytes: number;
  /**
   * The validator of an answer already held: sent as `If-None-Match`, and a `304 Not Modified` answer is then
   * accepted (with an empty body), meaning the held answer is still the current one.
   */
  readonly ifNoneMatch?: string;
}

export interface SupplierResponse {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
  /** The answer's `ETag`, when the system sent one. */
  readonly etag?: string;
}

/**
 * GET from a supplier system with the context's signal and correlation id, mapping every failure to a supplier
 * error: network failures and 5xx → {@link SupplierUnavailableError}, abort → {@link SupplierTimeoutError}, other
 * unexpected statuses and oversized answers → {@link SupplierProtocolError}.
 *
 * Uses undici's `request` rather than `fetch`: the same HTTP client and connection pool without the WHATWG
 * Request/Response and stream layers, which cost more than the rest of a cached read.
 */
export async function getFromSupplier(
  request: SupplierRequest,
  identity: SupplierIdentity,
  ctx: SupplierCallContext,
): Promise<SupplierResponse> {
  try {
    const headers: Record<string, string> = { accept: request.accept, 'x-correlation-id': ctx.correlationId };
    if (request.ifNoneMatch !== undefined) headers['if-none-match'] = request.ifNoneMatch;
    const response = await undiciRequest(request.url, { method: 'GET', signal: ctx.signal, headers });
    const status = response.statusCode;
    const header = (name: string): string | undefined => {
      const value = response.headers[name];
      return Array.isArray(value) ? value[0] : value;
    };
    if (status === 304 && request.ifNoneMatch !== undefined) {
      await response.body.dump();
      return { status, contentType: '', body: '', etag: header('etag') ?? request.ifNoneMatch };
    }
    if (status >= 500) {
      await response.body.dump();
      throw new SupplierUnavailableError({ ...identity, status, detail: `HTTP ${status} to the ${request.label}` });
    }
    if (!(status >= 200 && status < 300) && !request.expectedStatuses?.includes(status)) {
      await response.body.dump();
      throw new SupplierProtocolError({ ...identity, detail: `unexpected HTTP ${status} to the ${request.label}` });
    }
    const body = await readBodyCapped(
      response.body,
      Number(header('content-length') ?? NaN),
      request.maxBytes,
      identity,
    );
    const etag = header('etag');
    return { status, contentType: header('content-type') ?? '', body, ...(etag ? { etag } : {}) };
  } catch (err) {
    throw toSupplierError(err, identity, ctx.signal);
  }
}

/** Reads an undici body as UTF-8 text, refusing more than `maxBytes`. */
async function readBodyCapped(
  body: Dispatcher.ResponseData['body'],
  declared: number,
  maxBytes: number,
  identity: SupplierIdentity,
): Promise<string> {
  if (declared > maxBytes) {
    discard(body);
    throw new SupplierProtocolError({
      ...identity,
      detail: `answer of ${declared} bytes exceeds the limit of ${maxBytes}`,
    });
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    total += chunk.byteLength;
    if (total > maxBytes) {
      discard(body);
      throw new SupplierProtocolError({ ...identity, detail: `answer exceeds the limit of ${maxBytes} bytes` });
    }
    chunks.push(chunk);
  }
  const text = (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)).toString('utf8');
  // As TextDecoder does: a byte order mark is not part of the text.
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Stops reading a body we refuse; the abort this causes is expected, not an error to report. */
function discard(body: Dispatcher.ResponseData['body']): void {
  body.on('error', () => undefined);
  body.destroy();
}
