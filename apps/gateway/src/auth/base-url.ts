import type { LloydConfig } from '@lloyd/config';

interface RequestOrigin {
  protocol: string;
  host: string;
}

const HOST = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

/** `protocol://host[:port]` as the client addressed this request, or undefined when the Host header is unusable. */
export function requestBaseUrl(request: RequestOrigin): string | undefined {
  if (!HOST.test(request.host)) return undefined;
  return `${request.protocol === 'https' ? 'https' : 'http'}://${request.host}`;
}

/** The absolute base URL to advertise: `server.publicBaseUrl` when configured, else the one the request used. */
export function publicBaseUrl(config: LloydConfig, request: RequestOrigin): string {
  const configured = config.server.publicBaseUrl;
  if (configured) return configured.replace(/\/+$/, '');
  return requestBaseUrl(request) ?? `http://${config.server.host}:${config.server.port}`;
}
