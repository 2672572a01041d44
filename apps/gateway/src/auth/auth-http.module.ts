import { Module } from '@nestjs/common';
import { AuthModule } from '@lloyd/auth';
import { SmartDiscoveryController } from './smart-discovery.controller.js';
import { TokenController } from './token.controller.js';

/**
 * The embedded issuer's HTTP surface: SMART discovery, JWKS and the token endpoint. `POST /oauth2/token` relies on
 * the FastifyAdapter's built-in `application/x-www-form-urlencoded` parser (Nest 12 registers it at `app.init()`).
 */
@Module({
  imports: [AuthModule],
  controllers: [SmartDiscoveryController, TokenController],
  exports: [AuthModule],
})
export class AuthHttpModule {}
