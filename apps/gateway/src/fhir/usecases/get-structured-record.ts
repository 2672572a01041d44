import { Injectable } from '@nestjs/common';
import { TransferMarkers } from '@lloyd/federation';
import type { VerifiedToken } from '@lloyd/auth';
import type { WrittenJson } from '@lloyd/fhir';
import { AuditedRead } from '../record/audited-read.js';
import { RecordReader } from '../record/record-reader.js';
import { linkedSectionsFor, requestedSections } from '../structured/build-structured-bundle.js';
import { StructuredAnswers } from '../structured/structured-answers.js';
import { parseStructuredRecordRequest } from '../structured/structured-request.js';

export interface GetStructuredRecordCommand {
  body: unknown;
  token: VerifiedToken;
  correlationId: string;
  baseUrl: string;
  now: Date;
}

/** `POST /fhir/Patient/$gpc.getstructuredrecord`: GP Connect Access Record Structured, from any supplier system. */
@Injectable()
export class GetStructuredRecord {
  constructor(
    private readonly reader: RecordReader,
    private readonly audited: AuditedRead,
    private readonly transfers: TransferMarkers,
    private readonly answers: StructuredAnswers,
  ) {}

  async execute(command: GetStructuredRecordCommand): Promise<WrittenJson> {
    const request = parseStructuredRecordRequest(command.body, command.now.toISOString().slice(0, 10));
    const sections = requestedSections(request);
    const linkedSections = linkedSectionsFor(sections);
    return this.audited.run(
      {
        token: command.token,
        correlationId: command.correlationId,
        request: 'POST /fhir/Patient/$gpc.getstructuredrecord',
        interaction: 'operation',
        patient: request.nhsNumber,
        requestedSections: sections,
      },
      async (progress) => {
        const opened = await this.reader.open(
          { ...command, nhsNumber: request.nhsNumber, sections, linkedSections },
          progress,
        );
        // The in-transit marker is independent of the record: ask for both at once (one round trip less on Redis).
        const [prepared, dataInTransit] = await Promise.all([
          this.reader.read(opened, command.correlationId, progress),
          this.transfers.isMoving(request.nhsNumber),
        ]);
        const answer = this.answers.answer({ request, prepared, baseUrl: command.baseUrl, dataInTransit }, command.now);
        this.reader.countDegraded(prepared.ods, answer.degraded);
        return { result: answer.body, resources: answer.resources };
      },
    );
  }
}
