import type { FastifyRequest } from 'fastify';
import type { VerifiedToken } from '@lloyd/auth';
import type { Gp2gpCaller } from '@lloyd/gp2gp';

/** The audit identity of a GP2GP request: the token's client and organisation, the correlation id, the request. */
export function gp2gpCaller(token: VerifiedToken, request: FastifyRequest): Gp2gpCaller {
  return {
    who: { clientId: token.clientId, organisation: token.organisation },
    correlationId: String(request.id),
    request: `${request.method} ${request.url}`.slice(0, 300),
  };
}
