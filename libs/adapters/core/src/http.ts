import {
  DocumentTooLargeError,
  SupplierProtocolError,
  SupplierTimeoutError,
  SupplierUnavailableError,
  type SupplierIdentity,
} from './errors.js';
import type { SupplierCallContext, SupplierDocument } from './supplier-adapter.js';
import { requestWhole } from './whole-response.js';

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
  // An answer that is not HTTP at all (another service on the port, a broken proxy): the system is not reachable.
  if (err instanceof Error && err.name === 'HTTPParserError') {
    return new SupplierUnavailableError({ ...identity, detail: 'the answer was not HTTP', cause: err });
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
 * Uses undici (through {@link requestWhole}) rather than `fetch`: the same HTTP client and connection pools without
 * the WHATWG Request/Response and stream layers, which cost more than the rest of a cached read.
 */
export async function getFromSupplier(
  request: SupplierRequest,
  identity: SupplierIdentity,
  ctx: SupplierCallContext,
): Promise<SupplierResponse> {
  try {
    const headers: Record<string, string> = { accept: request.accept, 'x-correlation-id': ctx.correlationId };
    if (request.ifNoneMatch !== undefined) headers['if-none-match'] = request.ifNoneMatch;
    const expected = (status: number) =>
      (status >= 200 && status < 300) || !!request.expectedStatuses?.includes(status);
    const response = await requestWhole({
      url: request.url,
      headers,
      signal: ctx.signal,
      maxBytes: request.maxBytes,
      keepBody: expected,
      tooLarge: (declared) => tooLarge(identity, declared, request.maxBytes),
    });
    const status = response.statusCode;
    if (status === 304 && request.ifNoneMatch !== undefined) {
      return { status, contentType: '', body: '', etag: response.header('etag') ?? request.ifNoneMatch };
    }
    if (status >= 500) {
      throw new SupplierUnavailableError({ ...identity, status, detail: `HTTP ${status} to the ${request.label}` });
    }
    if (!expected(status)) {
      throw new SupplierProtocolError({ ...identity, detail: `unexpected HTTP ${status} to the ${request.label}` });
    }
    const text = response.body.toString('utf8');
    // As TextDecoder does: a byte order mark is not part of the text.
    const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
    const etag = response.header('etag');
    return { status, contentType: response.header('content-type') ?? '', body, ...(etag ? { etag } : {}) };
  } catch (err) {
    throw toSupplierError(err, identity, ctx.signal);
  }
}

const tooLarge = (identity: SupplierIdentity, declared: number, maxBytes: number) =>
  new SupplierProtocolError({
    ...identity,
    detail: Number.isFinite(declared)
      ? `answer of ${declared} bytes exceeds the limit of ${maxBytes}`
      : `answer exceeds the limit of ${maxBytes} bytes`,
  });

/**
 * GETs one document's content from a supplier system (GP Connect Access Document): the bytes, whole, and their
 * MIME type. Resolves null when the system has no such document (404). A document larger than `maxBytes` (by its
 * declared length, the system's own 413 or 422 refusal, or the bytes that arrive) is a
 * {@link DocumentTooLargeError}; everything else fails as {@link getFromSupplier} does.
 *
 * `url` must be on the system itself, under `base`: an address from elsewhere in a record is refused as a protocol
 * error rather than fetched, so a record cannot make Lloyd call another host.
 */
export async function getDocumentFromSupplier(
  request: { readonly base: URL; readonly url: URL; readonly maxBytes: number; readonly fallbackType?: string },
  identity: SupplierIdentity,
  ctx: SupplierCallContext,
): Promise<SupplierDocument | null> {
  const { base, url, maxBytes } = request;
  if (url.origin !== base.origin || !url.pathname.startsWith(base.pathname)) {
    throw new SupplierProtocolError({ ...identity, detail: 'a document address points outside the system' });
  }
  try {
    const response = await requestWhole({
      url,
      headers: { accept: '*/*', 'x-correlation-id': ctx.correlationId },
      signal: ctx.signal,
      maxBytes,
      keepBody: (status) => status === 200,
      tooLarge: () => new DocumentTooLargeError(maxBytes),
    });
    const status = response.statusCode;
    if (status === 404) return null;
    if (status >= 500) {
      throw new SupplierUnavailableError({ ...identity, status, detail: `HTTP ${status} to a document request` });
    }
    if (status === 413 || status === 422) throw new DocumentTooLargeError(maxBytes);
    if (status !== 200) {
      throw new SupplierProtocolError({ ...identity, detail: `unexpected HTTP ${status} to a document request` });
    }
    const contentType = response.header('content-type') ?? request.fallbackType ?? 'application/octet-stream';
    return { contentType, content: response.body };
  } catch (err) {
    if (err instanceof DocumentTooLargeError) throw err;
    throw toSupplierError(err, identity, ctx.signal);
  }
}

/** Where a system that serves documents by id keeps one: `<base><path><id>`, the id encoded as one path segment. */
export function documentUrlById(base: URL, path: string, id: string): URL {
  return new URL(`${path}${encodeURIComponent(id)}`, base);
}

/**
 * {@link getDocumentFromSupplier} for a system that serves each document at `<base><path><id>`: `id` is the system's
 * own id for the document, by default the DocumentReference's id (an adapter passes another when the record names
 * the document otherwise). Null, without a call, for a document with no id.
 */
export function getDocumentById(
  request: { readonly base: URL; readonly path: string; readonly id?: string; readonly maxBytes: number },
  document: fhir4.DocumentReference,
  identity: SupplierIdentity,
  ctx: SupplierCallContext,
): Promise<SupplierDocument | null> {
  const { base, path, maxBytes } = request;
  const id = request.id ?? document.id;
  if (!id) return Promise.resolve(null);
  const fallbackType = document.content[0]?.attachment.contentType;
  const url = documentUrlById(base, path, id);
  return getDocumentFromSupplier({ base, url, maxBytes, ...(fallbackType ? { fallbackType } : {}) }, identity, ctx);
}
