/**
 * P10001's own patient store: the generated dataset, overlaid with the patients that arrived by GP2GP transfer and
 * were filed here. A filed patient replaces any earlier one with the same NHS number at this practice, and its
 * documents' bytes live in files under a private temporary folder (attachments may be 100 MB; none is held in memory).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { concept } from '../generator/catalogue.js';
import type { SyntheticDataset } from '../generator/generate.js';
import type { DocumentItem, SyntheticPatient } from '../generator/model.js';
import { BOOT_TAG } from './conditional.js';

/** A code as the system stores it: Read v2, or its own local scheme. */
export interface StoredCode {
  readonly scheme: 'READ2' | 'LOCAL';
  readonly code: string;
  readonly term: string;
  /** For a transfer-degraded item: the code it arrived with, which this system cannot store as its own. */
  readonly original?: { readonly scheme: string; readonly code: string; readonly term: string };
}

/** Resolves an item's concept key to the code the system shows for it. */
export type CodeOf = (key: string) => StoredCode;

/** The codes of generated patients come from the catalogue. */
export const catalogueCode: CodeOf = (key) => {
  const read = concept(key).readV2;
  return { scheme: read.local ? 'LOCAL' : 'READ2', code: read.code, term: read.term };
};

/** A patient filed from a transfer: the neutral model, its codes by concept key, its documents' files by id. */
export interface FiledPatient {
  readonly patient: SyntheticPatient;
  /** Set by the store when filed. */
  readonly version?: number;
  readonly codes: ReadonlyMap<string, StoredCode>;
  readonly documentFiles: ReadonlyMap<string, string>;
}

export interface StoredPatient {
  readonly patient: SyntheticPatient;
  readonly codeOf: CodeOf;
  /** Changes whenever the patient's stored record does (HTTP `ETag`); unique across restarts of the system. */
  readonly version: string;
}

export type StoredDocument =
  | { readonly kind: 'generated'; readonly document: DocumentItem; readonly patient: SyntheticPatient }
  | { readonly kind: 'file'; readonly document: DocumentItem; readonly path: string };

export class XmlReadV2Store {
  private readonly filed = new Map<string, FiledPatient>();
  private folder: Promise<string> | undefined;
  private filings = 0;

  constructor(
    private readonly dataset: SyntheticDataset,
    readonly ods: string,
  ) {}

  findPatient(nhsNumber: string): StoredPatient | undefined {
    const filed = this.filed.get(nhsNumber);
    if (filed)
      return {
        patient: filed.patient,
        codeOf: codeLookup(filed),
        version: `${BOOT_TAG}.${nhsNumber}.${filed.version}`,
      };
    const generated = this.dataset.findPatient(this.ods, nhsNumber);
    return generated ? { patient: generated, codeOf: catalogueCode, version: `${BOOT_TAG}.${nhsNumber}.0` } : undefined;
  }

  patients(): SyntheticPatient[] {
    const shadowed = this.dataset.patientsOf(this.ods).filter((p) => !this.filed.has(p.demographics.nhsNumber));
    return [...shadowed, ...[...this.filed.values()].map((f) => f.patient)];
  }

  findDocument(id: string): StoredDocument | undefined {
    for (const filed of this.filed.values()) {
      const path = filed.documentFiles.get(id);
      const document = filed.patient.record.documents.find((d) => d.id === id);
      if (path !== undefined && document) return { kind: 'file', document, path };
    }
    const generated = this.dataset.findDocument(this.ods, id);
    if (!generated || this.filed.has(generated.patient.demographics.nhsNumber)) return undefined;
    return { kind: 'generated', ...generated };
  }

  /** Registers the patient here with this record, replacing any earlier one with the same NHS number. */
  file(entry: FiledPatient): void {
    this.filed.set(entry.patient.demographics.nhsNumber, { ...entry, version: ++this.filings });
  }

  /** A fresh file path for an incoming attachment, in the store's private folder. */
  async attachmentPath(name: string): Promise<string> {
    this.folder ??= mkdtemp(join(tmpdir(), `lloyd-sim-${this.ods}-`));
    return join(await this.folder, name);
  }

  async close(): Promise<void> {
    const folder = this.folder;
    this.folder = undefined;
    if (folder) await rm(await folder, { recursive: true, force: true });
  }
}

function codeLookup(filed: FiledPatient): CodeOf {
  return (key) => {
    const code = filed.codes.get(key);
    if (!code) throw new Error(`No stored code for concept ${key}`);
    return code;
  };
}
