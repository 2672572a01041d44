import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Random } from './generator/random.js';

/**
 * Fault injection shared by every simulated system, so tests can make a supplier slow, failing or unreachable.
 *
 * Per request, with headers:
 * - `x-sim-latency-ms: N` delays the answer by N ms;
 * - `x-sim-fail: 500|503` answers with that status;
 * - `x-sim-drop: 1` destroys the connection without answering.
 *
 * For every request, through the admin endpoint (which faults never affect):
 * - `POST /_faults` with JSON `{ "latencyMs": N, "failRate": 0..1, "failStatus": 500|503, "drop": true, "failNext": N }`;
 * - `DELETE /_faults` clears them; `GET /_faults` shows them (`failNext`: the failures still to come).
 *
 * `failNext` answers the next N requests with `failStatus`, then the system recovers: a deterministic outage, for
 * testing retries and circuit breakers.
 */
export interface FaultSettings {
  readonly latencyMs: number;
  /** Share of requests answered with `failStatus`, drawn from a seeded stream (0 = none, 1 = all). */
  readonly failRate: number;
  readonly failStatus: 500 | 503;
  readonly drop: boolean;
  /** Requests still to be answered with `failStatus` before the system answers normally again. */
  readonly failNext: number;
}

export const NO_FAULTS: FaultSettings = { latencyMs: 0, failRate: 0, failStatus: 503, drop: false, failNext: 0 };

const MAX_FAIL_NEXT = 1_000_000;

const MAX_LATENCY_MS = 120_000;

/** How a system renders an injected failure in its own format. */
export type FailureBody = (status: number, message: string) => { contentType: string; body: string };

const plainFailure: FailureBody = (status, message) => ({
  contentType: 'text/plain; charset=utf-8',
  body: `${status} ${message}\n`,
});

export interface FaultOptions {
  readonly seed: number;
  readonly failureBody?: FailureBody;
}

export function parseFaultSettings(input: unknown): FaultSettings | string {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    return 'Send a JSON object: { latencyMs, failRate, failStatus, drop, failNext }.';
  const body = input as Record<string, unknown>;
  const known = new Set(['latencyMs', 'failRate', 'failStatus', 'drop', 'failNext']);
  const unknown = Object.keys(body).filter((k) => !known.has(k));
  if (unknown.length > 0)
    return `Unknown fault setting(s): ${unknown.join(', ')}. Known: latencyMs, failRate, failStatus, drop, failNext.`;
  const { latencyMs = 0, failRate = 0, failStatus = 503, drop = false, failNext = 0 } = body;
  if (typeof latencyMs !== 'number' || !Number.isInteger(latencyMs) || latencyMs < 0 || latencyMs > MAX_LATENCY_MS) {
    return `latencyMs must be a whole number of milliseconds from 0 to ${MAX_LATENCY_MS}.`;
  }
  if (typeof failRate !== 'number' || failRate < 0 || failRate > 1) return 'failRate must be a number from 0 to 1.';
  if (failStatus !== 500 && failStatus !== 503) return 'failStatus must be 500 or 503.';
  if (typeof drop !== 'boolean') return 'drop must be true or false.';
  if (typeof failNext !== 'number' || !Number.isInteger(failNext) || failNext < 0 || failNext > MAX_FAIL_NEXT) {
    return `failNext must be a whole number of requests from 0 to ${MAX_FAIL_NEXT}.`;
  }
  return { latencyMs, failRate, failStatus, drop, failNext };
}

function headerValue(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Waits `ms`, ending early when `signal` aborts (the client went away or the server is closing). */
function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted || ms <= 0) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Ends the exchange without an answer, as a crashed or unreachable system would. */
function dropConnection(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  reply.hijack();
  request.raw.socket.destroy();
  return reply;
}

/** Adds fault injection to a simulated system: an `onRequest` hook and the `/_faults` admin routes. */
export function installFaults(app: FastifyInstance, options: FaultOptions): void {
  let settings = NO_FAULTS;
  const random = Random.derive(options.seed, 'faults');
  const failureBody = options.failureBody ?? plainFailure;
  const closing = new AbortController();
  app.addHook('onClose', () => closing.abort());

  app.addHook('onRequest', async (request, reply) => {
    if (request.url === '/_faults' || request.url.startsWith('/_faults?')) return;

    const latencyHeader = Number(headerValue(request, 'x-sim-latency-ms') ?? 0);
    const latency = Math.min(
      MAX_LATENCY_MS,
      Math.max(0, Number.isFinite(latencyHeader) ? latencyHeader : 0) + settings.latencyMs,
    );
    if (latency > 0) {
      const clientGone = new AbortController();
      const onClose = () => clientGone.abort();
      reply.raw.once('close', onClose);
      await delay(latency, AbortSignal.any([closing.signal, clientGone.signal]));
      reply.raw.off('close', onClose);
      if (clientGone.signal.aborted || closing.signal.aborted) return dropConnection(request, reply);
    }

    if (headerValue(request, 'x-sim-drop') === '1' || settings.drop) return dropConnection(request, reply);

    const failHeader = headerValue(request, 'x-sim-fail');
    const failNow = settings.failNext > 0;
    if (failNow) settings = { ...settings, failNext: settings.failNext - 1 };
    const status =
      failHeader === '500' || failHeader === '503'
        ? Number(failHeader)
        : failNow || (settings.failRate > 0 && random.chance(settings.failRate))
          ? settings.failStatus
          : 0;
    if (status > 0) {
      const failure = failureBody(status, 'Simulated failure (fault injection)');
      return reply.code(status).header('content-type', failure.contentType).send(failure.body);
    }
  });

  app.get('/_faults', () => settings);
  app.post('/_faults', async (request, reply) => {
    const parsed = parseFaultSettings(request.body);
    if (typeof parsed === 'string') return reply.code(400).send({ error: parsed });
    settings = parsed;
    return settings;
  });
  app.delete('/_faults', async (_request, reply) => {
    settings = NO_FAULTS;
    return reply.code(204).send();
  });
}
