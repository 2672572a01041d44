import { Body, Controller, Get, HttpCode, Param, Post, Put, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AccessPolicyStore } from '@lloyd/access';
import { CurrentToken, RequireScopes, type VerifiedToken } from '@lloyd/auth';
import { adminContext } from './usecases/admin-context.js';
import { CreateAgreement } from './usecases/create-agreement.js';
import { EndAgreement } from './usecases/end-agreement.js';
import { UpdateAgreement } from './usecases/update-agreement.js';

/** Sharing agreements: list, read, create, replace and end (never delete). Every change is audited. */
@Controller('admin/agreements')
@RequireScopes('system/admin.write')
export class AgreementsController {
  constructor(
    private readonly policy: AccessPolicyStore,
    private readonly createAgreement: CreateAgreement,
    private readonly updateAgreement: UpdateAgreement,
    private readonly endAgreement: EndAgreement,
  ) {}

  @Get()
  async list() {
    return { agreements: await this.policy.listAgreements() };
  }

  @Get(':id')
  get(@Param('id') id: string) {
    return this.policy.getAgreement(id);
  }

  @Post()
  @HttpCode(201)
  async create(
    @Body() body: unknown,
    @CurrentToken() token: VerifiedToken,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const created = await this.createAgreement.execute(body, adminContext(token, request));
    void reply.header('location', `/admin/agreements/${created.id}`);
    return created;
  }

  @Put(':id')
  update(
    @Param('id') id: string,
    @Body() body: unknown,
    @CurrentToken() token: VerifiedToken,
    @Req() request: FastifyRequest,
  ) {
    return this.updateAgreement.execute(id, body, adminContext(token, request));
  }

  @Post(':id/$end')
  @HttpCode(200)
  end(@Param('id') id: string, @CurrentToken() token: VerifiedToken, @Req() request: FastifyRequest) {
    return this.endAgreement.execute(id, adminContext(token, request));
  }
}
