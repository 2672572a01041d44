import { Inject, Injectable } from '@nestjs/common';
import { AuditTrail, parseCount, parseOffset } from '@lloyd/access';
import { LLOYD_CONFIG, type LloydConfig } from '@lloyd/config';
import { operationOutcome, outcomes, searchsetBundle, type Bundle, type OperationOutcomeIssue } from '@lloyd/fhir';

export type RawQuery = Record<string, string | string[] | undefined>;

export interface SearchAuditEventsCommand {
  query: RawQuery;
  baseUrl: string;
  /** The request's absolute URL, for the `self` link and to build `next`. */
  selfUrl: string;
}

const PARAMETERS = ['patient', 'practice', 'organisation', 'date', 'outcome', '_count', '_offset'] as const;
const DEFAULT_COUNT = 50;

/**
 * `GET /fhir/AuditEvent?patient=&practice=&organisation=&date=&outcome=&_count=&_offset=`: the audit trail, newest first, as
 * a searchset Bundle with `total` and a `next` link. `_count` above `access.maxCount` is capped with a warning.
 */
@Injectable()
export class SearchAuditEvents {
  constructor(
    @Inject(LLOYD_CONFIG) private readonly config: LloydConfig,
    private readonly audit: AuditTrail,
  ) {}

  async execute(command: SearchAuditEventsCommand): Promise<Bundle> {
    const { query } = command;
    const unknown = Object.keys(query).filter((name) => !(PARAMETERS as readonly string[]).includes(name));
    if (unknown.length > 0) {
      throw outcomes.invalidParameter(
        `Unknown search parameter ${unknown.join(', ')}: AuditEvent supports ${PARAMETERS.join(', ')}.`,
        unknown,
      );
    }
    const warnings: OperationOutcomeIssue[] = [];
    const page = parseCount(single(query, '_count'), this.config.access.maxCount, DEFAULT_COUNT);
    if (page.warning) warnings.push(page.warning);
    const offset = parseOffset(single(query, '_offset'));
    const date = query['date'];
    const result = await this.audit.search({
      patient: single(query, 'patient'),
      practice: single(query, 'practice'),
      organisation: single(query, 'organisation'),
      outcome: single(query, 'outcome'),
      ...(date !== undefined ? { date } : {}),
      count: page.count,
      offset,
    });
    const more = page.count > 0 && offset + page.count < result.total;
    return searchsetBundle(result.events, {
      baseUrl: command.baseUrl,
      selfUrl: command.selfUrl,
      total: result.total,
      ...(more ? { nextUrl: pageUrl(command.selfUrl, offset + page.count, page.count) } : {}),
      ...(warnings.length > 0 ? { outcome: operationOutcome(...warnings) } : {}),
    });
  }
}

/** A parameter that may be given once; repeating it is ambiguous, so refused. */
function single(query: RawQuery, name: string): string | undefined {
  const value = query[name];
  if (Array.isArray(value)) throw outcomes.invalidParameter(`${name} may be given only once.`, [name]);
  return value;
}

function pageUrl(selfUrl: string, offset: number, count: number): string {
  const url = new URL(selfUrl);
  url.searchParams.set('_offset', String(offset));
  url.searchParams.set('_count', String(count));
  return url.toString();
}
