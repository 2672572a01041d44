import { Inject, Injectable } from '@nestjs/common';
import { DocumentTooLargeError } from '@lloyd/adapters-core';
import type { VerifiedToken } from '@lloyd/auth';
import { LLOYD_CONFIG, type LloydConfig } from '@lloyd/config';
import { ResourceIdCodec } from '@lloyd/federation';
import { outcomes } from '@lloyd/fhir';
import { AuditedRead } from '../record/audited-read.js';
import { RecordReader } from '../record/record-reader.js';
import { servableType } from './media-type.js';

export interface ReadDocumentCommand {
  /** The Binary id: the public id of the DocumentReference that describes the document. */
  id: string;
  token: VerifiedToken;
  correlationId: string;
  now: Date;
}

/** A document's content, as Lloyd serves it. */
export interface ServedDocument {
  id: string;
  /** The supplier's content type when it is a well-formed media type, else `application/octet-stream`. */
  contentType: string;
  content: Buffer;
}

/**
 * `GET /fhir/Binary/{id}`: the content of one document of a patient's record (GP Connect Access Document). The id is
 * the DocumentReference's, so the document is found through the record the caller may see: the same access chain,
 * the `documents` section, and confidential documents answered exactly as "not found". Audited like every read.
 */
@Injectable()
export class ReadDocument {
  constructor(
    @Inject(LLOYD_CONFIG) private readonly config: LloydConfig,
    private readonly reader: RecordReader,
    private readonly audited: AuditedRead,
    private readonly ids: ResourceIdCodec,
  ) {}

  execute(command: ReadDocumentCommand): Promise<ServedDocument> {
    const ref = this.ids.decode(command.id);
    const notFound = () => outcomes.notFound(`Binary/${command.id}`);
    return this.audited.run(
      {
        token: command.token,
        correlationId: command.correlationId,
        request: `GET /fhir/Binary/${command.id}`,
        interaction: 'read',
        ...(ref ? { patient: ref.nhsNumber } : {}),
        requestedSections: ['documents'],
      },
      async (progress) => {
        if (!ref || ref.sourceId === '') throw notFound();
        const opened = await this.reader.openById(ref, { ...command, sections: ['documents'] }, notFound, progress);
        if (!opened.decision.sections.includes('documents')) throw notFound();
        const prepared = await this.reader.read(opened, command.correlationId, progress);
        const { maxDocumentBytes } = this.config.access;
        let document;
        try {
          document = await this.reader.readDocument(prepared, command.id, maxDocumentBytes, command.correlationId);
        } catch (err) {
          if (err instanceof DocumentTooLargeError) throw outcomes.documentTooLarge(maxDocumentBytes);
          throw err;
        }
        if (!document) throw notFound();
        return {
          result: { id: command.id, contentType: servableType(document.contentType), content: document.content },
          resources: [`DocumentReference/${command.id}`, `Binary/${command.id}`],
        };
      },
    );
  }
}
