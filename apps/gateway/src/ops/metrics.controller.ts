import { Controller, Get, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Public } from '@lloyd/auth';
import { MetricsService } from '@lloyd/observability';

@Controller('metrics')
@Public()
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  async scrape(@Res() reply: FastifyReply) {
    const { contentType, text } = await this.metrics.metrics();
    await reply.header('content-type', contentType).send(text);
  }
}
