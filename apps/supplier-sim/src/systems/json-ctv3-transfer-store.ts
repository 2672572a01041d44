/**
 * P20002's run-time store: patients filed by GP2GP transfers, on top of the generated dataset. The dataset is
 * immutable and shared by every simulated system, so a transferred-in patient lives here, in the system's own native
 * shape (the patient resource and journal events it serves), and shadows a dataset patient of the same NHS number.
 * Document content is kept on disk, never in memory: attachments may be 100 MB each.
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { JournalEvent } from './json-ctv3-render.js';

type Json = Record<string, unknown>;

/** A patient filed by a transfer: exactly what the read endpoints serve for it. */
export interface FiledPatient {
  readonly id: string;
  readonly nhsNumber: string;
  /** The patient resource: `{ patient, registration, consent, flags }`. */
  readonly resource: Json;
  readonly events: readonly JournalEvent[];
  /** Clinicians the transferred record names (from the old practice), beside this practice's own staff. */
  readonly staff: readonly Json[];
}

/** A document whose content is a file of this store. */
export interface StoredDocument {
  readonly id: string;
  readonly contentType: string;
  readonly path: string;
  readonly size: number;
}

export class JsonCtv3TransferStore {
  private readonly byId = new Map<string, FiledPatient>();
  private readonly byNhsNumber = new Map<string, FiledPatient>();
  private readonly documents = new Map<string, StoredDocument>();
  private directory: Promise<string> | undefined;
  private fileCount = 0;
  private readonly versions = new Map<string, number>();
  private filings = 0;

  patient(id: string): FiledPatient | undefined {
    return this.byId.get(id);
  }

  patientByNhsNumber(nhsNumber: string): FiledPatient | undefined {
    return this.byNhsNumber.get(nhsNumber);
  }

  /** The filed patient's version (for the `ETag`): it changes whenever the patient is filed again. */
  versionOf(id: string): number | undefined {
    return this.versions.get(id);
  }

  get size(): number {
    return this.byId.size;
  }

  /** Files a patient; one already filed with the same NHS number is replaced (the record came back). */
  file(patient: FiledPatient, documents: readonly StoredDocument[]): void {
    const earlier = this.byNhsNumber.get(patient.nhsNumber);
    if (earlier) {
      this.byId.delete(earlier.id);
      this.versions.delete(earlier.id);
    }
    this.byId.set(patient.id, patient);
    this.versions.set(patient.id, ++this.filings);
    this.byNhsNumber.set(patient.nhsNumber, patient);
    for (const document of documents) this.documents.set(document.id, document);
  }

  document(id: string): StoredDocument | undefined {
    return this.documents.get(id);
  }

  openDocument(document: StoredDocument): Readable {
    return createReadStream(document.path);
  }

  /** A fresh file path for incoming content (the directory is made on first use). */
  async newFilePath(): Promise<string> {
    this.directory ??= mkdtemp(join(tmpdir(), 'sim-json-ctv3-'));
    const directory = await this.directory;
    this.fileCount += 1;
    return join(directory, `content-${this.fileCount}.bin`);
  }

  async sizeOf(path: string): Promise<number> {
    return (await stat(path)).size;
  }

  async discard(path: string): Promise<void> {
    await rm(path, { force: true });
  }

  /** Removes every stored file (the system is closing). */
  async close(): Promise<void> {
    const directory = this.directory;
    this.directory = undefined;
    if (directory) await rm(await directory, { recursive: true, force: true });
  }
}
