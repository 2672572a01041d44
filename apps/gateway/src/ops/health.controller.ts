import { Controller, Get, Header } from '@nestjs/common';
import { Public } from '@lloyd/auth';
import { OperationOutcomeError, operationOutcome, spineIssue } from '@lloyd/fhir';
import { CheckReadiness } from './check-readiness.js';

@Controller('health')
@Public()
export class HealthController {
  constructor(private readonly readiness: CheckReadiness) {}

  @Get('live')
  @Header('cache-control', 'no-store')
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  @Header('cache-control', 'no-store')
  async ready() {
    const report = await this.readiness.execute();
    if (report.ready) return { status: 'ready', checks: report.checks };
    const failing = Object.entries(report.checks).filter(([, c]) => !c.ok);
    throw new OperationOutcomeError(
      503,
      operationOutcome(
        ...failing.map(([name, c]) =>
          spineIssue(
            'SERVICE_UNAVAILABLE',
            `${name} is not ready: ${(c.detail ?? 'no answer').replace(/\.$/, '')}. Check that it is running and reachable.`,
            {
              expression: [name],
            },
          ),
        ),
      ),
    );
  }
}
