import {
  CTV3_CATALOGUE_ROWS,
  READV2_CATALOGUE_ROWS,
  READV2_EXTRACT_ROWS,
  type SampleMapRow,
} from './data/sample-map.js';

/** The SNOMED CT concept a source code maps to. */
export interface SnomedTarget {
  readonly conceptId: string;
  /**
   * The SNOMED CT term, when the map carries one (the sample map does; the national map files carry only a
   * description id, whose text is the source term itself, see README.md).
   */
  readonly display?: string;
  /** The SNOMED CT description the source term maps to (national map files only). */
  readonly descriptionId?: string;
}

/** Source code → SNOMED CT, per source scheme. Read v2 keys are 5-character codes without the 2-character term id. */
export interface TerminologyMaps {
  readonly readv2: ReadonlyMap<string, SnomedTarget>;
  readonly ctv3: ReadonlyMap<string, SnomedTarget>;
}

export type SourceScheme = keyof TerminologyMaps;

const READ_TERM_ID = /^[A-Za-z0-9]{2}$/;

/**
 * The key a Read v2 code is mapped under: its 5-character code. Extracts often send the code with its 2-character
 * term id appended (`14L..00`); the term id only picks a synonym, so it is dropped.
 */
export function readV2Key(code: string): string {
  return code.length === 7 && READ_TERM_ID.test(code.slice(5)) ? code.slice(0, 5) : code;
}

function toMap(...tables: readonly (readonly SampleMapRow[])[]): Map<string, SnomedTarget> {
  const map = new Map<string, SnomedTarget>();
  for (const rows of tables) {
    for (const [code, conceptId, display] of rows) {
      if (!map.has(code)) map.set(code, { conceptId, display });
    }
  }
  return map;
}

/** The built-in sample maps (see data/sample-map.ts): every national code the demo data uses. */
export function sampleMaps(): TerminologyMaps {
  return {
    readv2: toMap(READV2_CATALOGUE_ROWS, READV2_EXTRACT_ROWS),
    // CTV3 includes the Read v2 codes; a CTV3-only row comes first, so it wins.
    ctv3: toMap(CTV3_CATALOGUE_ROWS, READV2_CATALOGUE_ROWS),
  };
}

/** Layers maps: a code takes its target from the first map that has it. */
export function layerMaps(...layers: readonly TerminologyMaps[]): TerminologyMaps {
  const merge = (scheme: SourceScheme): Map<string, SnomedTarget> => {
    const merged = new Map<string, SnomedTarget>();
    for (const layer of layers) {
      for (const [code, target] of layer[scheme]) if (!merged.has(code)) merged.set(code, target);
    }
    return merged;
  };
  return { readv2: merge('readv2'), ctv3: merge('ctv3') };
}
