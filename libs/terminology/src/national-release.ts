/**
 * Loader for the national mapping tables of NHS TRUD's "NHS Data Migration" release (item 9): the Read v2 → SNOMED
 * CT map `rcsctmap2_uk_*.txt` and the CTV3 → SNOMED CT map `ctv3sctmap2_uk_*.txt` (layout in README.md). The files
 * are read line by line, never whole: the Read v2 map alone has hundreds of thousands of rows.
 */
import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { SnomedTarget, SourceScheme, TerminologyMaps } from './code-maps.js';

export interface MapFileLayout {
  readonly scheme: SourceScheme;
  readonly pattern: RegExp;
  /** Column names as in the release's header line (matched case-insensitively). */
  readonly columns: {
    readonly mapId: string;
    readonly code: string;
    readonly term: string;
    readonly conceptId: string;
    readonly descriptionId: string;
    readonly status: string;
    readonly effectiveDate: string;
    /** Present in the clinically assured tables; rows of files without it count as not assured. */
    readonly assured: string;
  };
  /** How a row says its source term is the preferred one: Read v2 term id `00`, CTV3 term type `P`. */
  readonly preferred: { readonly column: string; readonly value: string };
}

export const READV2_MAP_LAYOUT: MapFileLayout = {
  scheme: 'readv2',
  pattern: /^rcsctmap2_uk_.*\.txt$/i,
  columns: {
    mapId: 'MapId',
    code: 'ReadCode',
    term: 'TermCode',
    conceptId: 'ConceptId',
    descriptionId: 'DescriptionId',
    status: 'MapStatus',
    effectiveDate: 'EffectiveDate',
    assured: 'IS_ASSURED',
  },
  preferred: { column: 'TermCode', value: '00' },
};

export const CTV3_MAP_LAYOUT: MapFileLayout = {
  scheme: 'ctv3',
  pattern: /^ctv3sctmap2_uk_.*\.txt$/i,
  columns: {
    mapId: 'MapId',
    code: 'CTV3_CONCEPTID',
    term: 'CTV3_TERMID',
    conceptId: 'SCT_CONCEPTID',
    descriptionId: 'SCT_DESCRIPTIONID',
    status: 'MapStatus',
    effectiveDate: 'EffectiveDate',
    assured: 'IS_ASSURED',
  },
  preferred: { column: 'CTV3_TERMTYPE', value: 'P' },
};

const SNOMED_ID = /^\d{6,18}$/;

interface Candidate {
  readonly code: string;
  readonly target: SnomedTarget;
  readonly active: boolean;
  readonly assured: boolean;
  readonly preferred: boolean;
  readonly effective: string;
}

/** Ranks the active maps of one code: assured first, then the preferred term's, then the latest. */
function better(a: Candidate, b: Candidate): boolean {
  if (a.assured !== b.assured) return a.assured;
  if (a.preferred !== b.preferred) return a.preferred;
  return a.effective > b.effective;
}

/**
 * Reads one national map file into code → SNOMED CT. Rows are revisions of a map (`MapId`): only each map's latest
 * revision counts, and only when active (`MapStatus` 1) and pointing at a SNOMED CT concept id (drug rows say
 * `_DRUG`). Of a code's active maps the assured one wins, then the preferred term's, then the latest.
 *
 * @throws Error naming the file and the columns it lacks when the header is not the expected layout
 */
export async function readMapFile(path: string, layout: MapFileLayout): Promise<Map<string, SnomedTarget>> {
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let index: Record<keyof MapFileLayout['columns'] | 'preferred', number> | undefined;
  const revisions = new Map<string, Candidate>();
  let rowNumber = 0;
  for await (const raw of lines) {
    const line = raw.replace(/^\uFEFF/, '').replace(/\r$/, '');
    if (line.trim() === '') continue;
    const cells = line.split('\t').map((c) => c.trim());
    if (!index) {
      index = headerIndex(cells, layout, path);
      continue;
    }
    rowNumber++;
    const cell = (i: number) => (i >= 0 ? (cells[i] ?? '') : '');
    const code = cell(index.code);
    if (code === '') continue;
    const conceptId = cell(index.conceptId);
    const descriptionId = cell(index.descriptionId);
    const candidate: Candidate = {
      code,
      target: SNOMED_ID.test(descriptionId) ? { conceptId, descriptionId } : { conceptId },
      active: cell(index.status) === '1' && SNOMED_ID.test(conceptId),
      assured: cell(index.assured) === '1',
      preferred: cell(index.preferred) === layout.preferred.value,
      effective: cell(index.effectiveDate).replace(/\D/g, ''),
    };
    const mapId = cell(index.mapId) || `row-${rowNumber}`;
    const previous = revisions.get(mapId);
    if (!previous || candidate.effective >= previous.effective) revisions.set(mapId, candidate);
  }
  if (!index) throw new Error(`National map file ${path} is empty; expected a header line and map rows.`);

  const best = new Map<string, Candidate>();
  for (const candidate of revisions.values()) {
    if (!candidate.active) continue;
    const current = best.get(candidate.code);
    if (!current || better(candidate, current)) best.set(candidate.code, candidate);
  }
  return new Map([...best].map(([code, c]) => [code, c.target]));
}

function headerIndex(cells: readonly string[], layout: MapFileLayout, path: string) {
  const names = cells.map((c) => c.toLowerCase());
  const find = (name: string) => names.indexOf(name.toLowerCase());
  const c = layout.columns;
  const index = {
    mapId: find(c.mapId),
    code: find(c.code),
    term: find(c.term),
    conceptId: find(c.conceptId),
    descriptionId: find(c.descriptionId),
    status: find(c.status),
    effectiveDate: find(c.effectiveDate),
    assured: find(c.assured),
    preferred: find(layout.preferred.column),
  };
  const required = [c.code, c.conceptId, c.status, c.effectiveDate];
  const missing = required.filter((name) => find(name) < 0);
  if (missing.length > 0) {
    throw new Error(
      `National map file ${path} lacks the column(s) ${missing.join(', ')}. Expected a tab-separated file whose ` +
        `header names ${Object.values(c).join(', ')}; check that it is the ${layout.scheme === 'readv2' ? 'Read v2' : 'CTV3'} ` +
        'map of the NHS Data Migration release (see libs/terminology/README.md).',
    );
  }
  return index;
}

/** The newest file matching `pattern` under `dir` (names carry the release date), searched a few levels deep. */
async function findFile(dir: string, pattern: RegExp, depth = 5): Promise<string | undefined> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if (depth === 5) {
      throw new Error(
        `Cannot read the terminology release folder ${dir}: ${(err as Error).message}. Set terminology.releaseDir ` +
          'to the folder holding the unzipped NHS Data Migration release, or leave it unset to use the sample maps.',
        { cause: err },
      );
    }
    return undefined;
  }
  const here = entries
    .filter((e) => e.isFile() && pattern.test(e.name))
    .map((e) => e.name)
    .sort();
  if (here.length > 0) return join(dir, here[here.length - 1]!);
  if (depth === 0) return undefined;
  const found: string[] = [];
  for (const entry of entries.filter((e) => e.isDirectory()).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const file = await findFile(join(dir, entry.name), pattern, depth - 1);
    if (file) found.push(file);
  }
  return found.sort((a, b) => (basename(a) < basename(b) ? -1 : 1)).pop();
}

export interface NationalMaps extends TerminologyMaps {
  /** The files read, per scheme. */
  readonly files: { readonly readv2?: string; readonly ctv3?: string };
}

/**
 * Loads the national Read v2 and CTV3 → SNOMED CT maps from an unzipped NHS Data Migration release (searched under
 * `releaseDir`, e.g. in `Mapping Tables/Updated/Clinically Assured/`). Nothing is downloaded.
 *
 * @throws Error when the folder cannot be read, holds neither map, or a map file has an unexpected layout
 */
export async function loadNationalMaps(releaseDir: string): Promise<NationalMaps> {
  const [readv2File, ctv3File] = await Promise.all([
    findFile(releaseDir, READV2_MAP_LAYOUT.pattern),
    findFile(releaseDir, CTV3_MAP_LAYOUT.pattern),
  ]);
  if (!readv2File && !ctv3File) {
    throw new Error(
      `No national map files (rcsctmap2_uk_*.txt, ctv3sctmap2_uk_*.txt) under ${releaseDir}. Unzip the NHS Data ` +
        'Migration release from TRUD there, or leave terminology.releaseDir unset to use the sample maps.',
    );
  }
  const [readv2, ctv3] = await Promise.all([
    readv2File ? readMapFile(readv2File, READV2_MAP_LAYOUT) : new Map<string, SnomedTarget>(),
    ctv3File ? readMapFile(ctv3File, CTV3_MAP_LAYOUT) : new Map<string, SnomedTarget>(),
  ]);
  return { readv2, ctv3, files: { readv2: readv2File, ctv3: ctv3File } };
}
