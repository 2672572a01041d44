import { Controller, Get, Headers, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { RequireScopes } from '@lloyd/auth';
import { OperationOutcomeError } from '@lloyd/fhir';
import { Gp2gp, renderIntegrationReportCsv } from '@lloyd/gp2gp';

/**
 * GP2GP management information: `GET /gp2gp/reports/integrations?from=YYYY-MM-DD&to=YYYY-MM-DD`, as JSON, or as CSV
 * with `format=csv` or `Accept: text/csv`. Aggregates only, no patient data (`system/gp2gp.read`).
 */
@Controller('gp2gp/reports')
@RequireScopes('system/gp2gp.read')
export class ReportsController {
  constructor(private readonly gp2gp: Gp2gp) {}

  @Get('integrations')
  async integrations(
    @Query() query: Record<string, unknown>,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { format, ...period } = query;
    if (format !== undefined && format !== 'json' && format !== 'csv') {
      throw OperationOutcomeError.of('INVALID_PARAMETER', 'format: must be json or csv.', { expression: ['format'] });
    }
    const report = await this.gp2gp.integrationReport.execute(period);
    if (format === 'csv' || (format === undefined && accept?.includes('text/csv'))) {
      void reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="gp2gp-integrations-${report.from}-${report.to}.csv"`);
      return renderIntegrationReportCsv(report);
    }
    return report;
  }
}
