import { Body, Controller, Get, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentToken, RequireScopes, type VerifiedToken } from '@lloyd/auth';
import { Gp2gp } from '@lloyd/gp2gp';
import { gp2gpCaller } from './gp2gp-caller.js';
import { streamTransferEvents } from './transfer-event-stream.js';

/**
 * GP2GP transfers: start (`system/gp2gp.write`), read, list and follow (`system/gp2gp.read`), and the receiving
 * practice's accept or reject of a record held for review (`system/gp2gp.write`). Every call is audited.
 */
@Controller('gp2gp/transfers')
export class TransfersController {
  constructor(private readonly gp2gp: Gp2gp) {}

  @Post()
  @HttpCode(202)
  @RequireScopes('system/gp2gp.write')
  async start(
    @Body() body: unknown,
    @CurrentToken() token: VerifiedToken,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { transfer, created } = await this.gp2gp.startTransfer.execute(body, gp2gpCaller(token, request));
    void reply.header('location', `/gp2gp/transfers/${transfer.id}`);
    return { id: transfer.id, state: transfer.state, created };
  }

  @Get()
  @RequireScopes('system/gp2gp.read')
  list(@Query() query: unknown, @CurrentToken() token: VerifiedToken, @Req() request: FastifyRequest) {
    return this.gp2gp.listTransfers.execute(query, gp2gpCaller(token, request));
  }

  @Get(':id')
  @RequireScopes('system/gp2gp.read')
  get(@Param('id') id: string, @CurrentToken() token: VerifiedToken, @Req() request: FastifyRequest) {
    return this.gp2gp.getTransfer.execute(id, gp2gpCaller(token, request));
  }

  @Get(':id/integration-note')
  @RequireScopes('system/gp2gp.read')
  integrationNote(@Param('id') id: string, @CurrentToken() token: VerifiedToken, @Req() request: FastifyRequest) {
    return this.gp2gp.getIntegrationNote.execute(id, gp2gpCaller(token, request));
  }

  @Get(':id/events')
  @RequireScopes('system/gp2gp.read')
  async events(
    @Param('id') id: string,
    @CurrentToken() token: VerifiedToken,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const closed = new AbortController();
    // The response's close: the client went away (or the stream ended), unlike the request's, which ends with its body.
    reply.raw.once('close', () => closed.abort());
    const lastEventId = request.headers['last-event-id'];
    const events = await this.gp2gp.watchTransfer.execute(
      id,
      gp2gpCaller(token, request),
      closed.signal,
      typeof lastEventId === 'string' ? lastEventId : undefined,
    );
    await streamTransferEvents(reply, events, closed);
  }

  @Post(':id/accept')
  @HttpCode(200)
  @RequireScopes('system/gp2gp.write')
  accept(@Param('id') id: string, @CurrentToken() token: VerifiedToken, @Req() request: FastifyRequest) {
    return this.gp2gp.acceptTransfer.execute(id, gp2gpCaller(token, request));
  }

  @Post(':id/reject')
  @HttpCode(200)
  @RequireScopes('system/gp2gp.write')
  reject(
    @Param('id') id: string,
    @Body() body: unknown,
    @CurrentToken() token: VerifiedToken,
    @Req() request: FastifyRequest,
  ) {
    return this.gp2gp.rejectTransfer.execute(id, body, gp2gpCaller(token, request));
  }
}
