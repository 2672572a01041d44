import { Controller, Get, Header } from '@nestjs/common';
import { Public } from '@lloyd/auth';
import { OperationOutcomeError, operationOutcome, spineIssue, type OperationOutcomeIssue } from '@lloyd/fhir';
import { CheckReadiness, type ReadinessCheck } from './check-readiness.js';

@Controller('health')
@Public()
export class HealthController {
  constructor(private readonly readiness: CheckReadiness) {}

  @Get('live')
  @Header('cache-control', 'no-store')
  live() {
    return { status: 'ok' };
  }

  /**
   * 200 `ready` (or `degraded`, when some supplier systems do not answer) with every check; 503 when the store or the
   * queue does not answer, as an OperationOutcome with an issue per check: errors for the failing ones first, then
   * the supplier systems that do not answer (warnings), then the checks that passed (information, with breakers).
   */
  @Get('ready')
  @Header('cache-control', 'no-store')
  async ready() {
    const report = await this.readiness.execute();
    if (report.ready) return { status: report.degraded ? 'degraded' : 'ready', checks: report.checks };
    const entries = Object.entries(report.checks);
    const own = (name: string) => !name.startsWith('supplier:');
    const failing = (name: string, c: ReadinessCheck) =>
      spineIssue(
        'SERVICE_UNAVAILABLE',
        `${name} is not ready: ${(c.detail ?? 'no answer').replace(/\.$/, '')}. ${adviceFor(name)}`,
        { severity: own(name) ? 'error' : 'warning', expression: [name] },
      );
    const passing = (name: string, c: ReadinessCheck): OperationOutcomeIssue => ({
      severity: 'information',
      code: 'informational',
      diagnostics: `${name} is ok (${c.ms} ms${c.breaker ? `, breaker ${c.breaker}` : ''}).`,
      expression: [name],
    });
    throw new OperationOutcomeError(
      503,
      operationOutcome(
        ...entries.filter(([n, c]) => !c.ok && own(n)).map(([n, c]) => failing(n, c)),
        ...entries.filter(([n, c]) => !c.ok && !own(n)).map(([n, c]) => failing(n, c)),
        ...entries.filter(([, c]) => c.ok).map(([n, c]) => passing(n, c)),
      ),
    );
  }
}

/** What to check when a readiness check fails, by what it checks. */
function adviceFor(check: string): string {
  if (check === 'store') return 'Check that Redis is running, reachable and below its maxmemory.';
  if (check === 'queue') return 'Check that Redis is running and reachable.';
  return 'Check that it is running and reachable.';
}
