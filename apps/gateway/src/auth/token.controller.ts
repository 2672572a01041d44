import { Body, Controller, Header, HttpCode, Post, Req } from '@nestjs/common';
import { ExchangeClientAssertion, oauthError, Public, type TokenResponse } from '@lloyd/auth';
import type { FastifyRequest } from 'fastify';
import { listeningAddresses } from './base-url.js';

const FORM = /^application\/x-www-form-urlencoded\s*(;|$)/i;

/** SMART Backend Services token endpoint (client credentials with a signed client assertion). */
@Public()
@Controller('oauth2')
export class TokenController {
  constructor(private readonly exchange: ExchangeClientAssertion) {}

  @Post('token')
  @HttpCode(200)
  @Header('cache-control', 'no-store')
  @Header('pragma', 'no-cache')
  token(@Req() request: FastifyRequest, @Body() form: unknown): Promise<TokenResponse> {
    if (!FORM.test(request.headers['content-type'] ?? '')) {
      throw oauthError('invalid_request', 'Send the token request as application/x-www-form-urlencoded.');
    }
    // The assertion's aud is checked against where Lloyd is (config, or the address it listens at), never the Host.
    return this.exchange.execute(form, { listening: listeningAddresses(request) });
  }
}
