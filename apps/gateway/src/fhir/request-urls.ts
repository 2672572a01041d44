import type { FastifyRequest } from 'fastify';
import type { LloydConfig } from '@lloyd/config';

/** Absolute base URL for links in responses: the configured public URL, else the request's own origin. */
export function publicBaseUrl(config: LloydConfig, request: FastifyRequest): string {
  if (config.server.publicBaseUrl) return config.server.publicBaseUrl.replace(/\/$/, '');
  return `${request.protocol}://${request.host}`;
}

export function fhirBaseUrl(config: LloydConfig, request: FastifyRequest): string {
  return `${publicBaseUrl(config, request)}/fhir`;
}

export function selfUrl(config: LloydConfig, request: FastifyRequest): string {
  return `${publicBaseUrl(config, request)}${request.url}`;
}
