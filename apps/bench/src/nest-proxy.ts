/**
 * The read benchmark's framework baseline: the revalidating pass-through of `proxy.ts` written as a Nest controller
 * on the Fastify adapter, as Lloyd's gateway is. Its cost above the bare Fastify one is what Nest itself adds to a
 * request; Lloyd's cost above it is Lloyd's own work (auth, access chain, translation, Bundle, audit).
 */
import 'reflect-metadata';
import { Controller, Get, Module, Param, Res } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply } from 'fastify';
import { revalidatingClient } from './revalidating.js';

const target = process.env['PROXY_TARGET'] ?? 'http://127.0.0.1:8091';
const port = Number(process.env['PROXY_PORT'] ?? 8098);
const revalidated = revalidatingClient();

@Controller()
class PassThroughController {
  @Get('health')
  health(): { status: string } {
    return { status: 'ok' };
  }

  @Get('revalidating/:nhs')
  async record(@Param('nhs') nhs: string, @Res({ passthrough: true }) reply: FastifyReply): Promise<Buffer> {
    await revalidated(`${target}/patients?nhsNumber=${nhs}`);
    const record = await revalidated(`${target}/patients/${nhs}/record`);
    void reply.code(record.status).type(record.type);
    return record.body;
  }
}

@Module({ controllers: [PassThroughController] })
class PassThroughModule {}

const app = await NestFactory.create<NestFastifyApplication>(PassThroughModule, new FastifyAdapter(), {
  logger: false,
});
await app.listen(port, '127.0.0.1');
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
