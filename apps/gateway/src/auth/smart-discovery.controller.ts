import { Controller, Get, Header, Inject, Req } from '@nestjs/common';
import { LLOYD_CONFIG, type LloydConfig } from '@lloyd/config';
import { EmbeddedIssuer, Public, smartConfiguration, type SmartConfiguration } from '@lloyd/auth';
import type { FastifyRequest } from 'fastify';
import type { JSONWebKeySet } from 'jose';
import { publicBaseUrl } from './base-url.js';

/** SMART discovery and the embedded issuer's public keys. */
@Public()
@Controller('.well-known')
export class SmartDiscoveryController {
  constructor(
    @Inject(LLOYD_CONFIG) private readonly config: LloydConfig,
    private readonly issuer: EmbeddedIssuer,
  ) {}

  @Get('smart-configuration')
  @Header('cache-control', 'public, max-age=300')
  smartConfiguration(@Req() request: FastifyRequest): SmartConfiguration {
    return smartConfiguration(this.config, publicBaseUrl(this.config, request));
  }

  @Get('jwks.json')
  @Header('cache-control', 'public, max-age=300')
  jwks(): Promise<JSONWebKeySet> {
    return this.issuer.jwks();
  }
}
