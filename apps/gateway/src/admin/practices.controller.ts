import { Body, Controller, Get, Param, Put, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AccessPolicyStore } from '@lloyd/access';
import { CurrentToken, RequireScopes, type VerifiedToken } from '@lloyd/auth';
import { adminContext } from './usecases/admin-context.js';
import { PutPracticeSettings } from './usecases/put-practice-settings.js';

/** Practice settings: whether each practice shares, and which sections it has switched off. Changes are audited. */
@Controller('admin/practices')
@RequireScopes('system/admin.write')
export class PracticesController {
  constructor(
    private readonly policy: AccessPolicyStore,
    private readonly putPracticeSettings: PutPracticeSettings,
  ) {}

  @Get()
  async list() {
    return { practices: await this.policy.listPractices() };
  }

  @Put(':ods')
  async put(
    @Param('ods') ods: string,
    @Body() body: unknown,
    @CurrentToken() token: VerifiedToken,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { practice, created } = await this.putPracticeSettings.execute(ods, body, adminContext(token, request));
    if (created) void reply.status(201);
    return practice;
  }
}
