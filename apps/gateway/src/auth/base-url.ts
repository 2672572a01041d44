import { acceptedBaseUrls, type ListeningAddress } from '@lloyd/auth';
import type { LloydConfig } from '@lloyd/config';

interface RequestOrigin {
  protocol: string;
  host: string;
  /** The Fastify instance the request came to. */
  server: { addresses(): readonly (string | ListeningAddress)[] };
}

const HOST = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

/** `protocol://host[:port]` as the client addressed this request, or undefined when the Host header is unusable. */
export function requestBaseUrl(request: RequestOrigin): string | undefined {
  if (!HOST.test(request.host)) return undefined;
  return `${request.protocol === 'https' ? 'https' : 'http'}://${request.host}`;
}

/** Where the server listens on TCP (none when it does not, as under `inject`). */
export function listeningAddresses(request: RequestOrigin): ListeningAddress[] {
  return request.server
    .addresses()
    .flatMap((a) => (typeof a === 'string' ? [] : [{ address: a.address, port: a.port }]));
}

/**
 * The absolute base URL to advertise in SMART discovery: `server.publicBaseUrl` when configured, else the one the
 * request used if the token endpoint accepts assertions addressed there, else the first one it does accept, so that a
 * client following discovery signs an `aud` the token endpoint takes.
 */
export function publicBaseUrl(config: LloydConfig, request: RequestOrigin): string {
  const accepted = acceptedBaseUrls(config, listeningAddresses(request));
  const requested = requestBaseUrl(request);
  return requested !== undefined && accepted.includes(requested) ? requested : accepted[0]!;
}
