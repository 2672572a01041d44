/**
 * What a conversion kept, derived and left out. STU3 elements and extensions with no place in Lloyd's canonical
 * model are dropped, never guessed at; the report counts them so a caller can log them and a test can check that
 * nothing clinical went missing.
 */
export interface ConversionReport {
  /** STU3 resources in the input, per type. */
  readonly input: Readonly<Record<string, number>>;
  /** R4 resources in the canonical record, per type (Patient and practice included). */
  readonly output: Readonly<Record<string, number>>;
  /** Input resources not carried over, per STU3 type (GP Connect's Lists, types Lloyd does not use, duplicates). */
  readonly droppedResources: Readonly<Record<string, number>>;
  /** Extensions with no canonical equivalent, per URL. */
  readonly droppedExtensions: Readonly<Record<string, number>>;
  /** STU3 elements with no R4 equivalent, per `Type.element`. */
  readonly droppedElements: Readonly<Record<string, number>>;
  /** Items linked to their consultation's Encounter from GP Connect's consultation Lists. */
  readonly encounterLinksDerived: number;
  /** Problems linked to a consultation's Encounter from a consultation topic about the problem. */
  readonly problemLinksDerived: number;
}

/** Mutable tallies behind a {@link ConversionReport}. */
export class ReportBuilder {
  readonly input: Record<string, number> = {};
  readonly output: Record<string, number> = {};
  readonly droppedResources: Record<string, number> = {};
  readonly droppedExtensions: Record<string, number> = {};
  readonly droppedElements: Record<string, number> = {};
  encounterLinksDerived = 0;
  problemLinksDerived = 0;

  static count(tally: Record<string, number>, key: string, by = 1): void {
    tally[key] = (tally[key] ?? 0) + by;
  }

  build(): ConversionReport {
    return {
      input: { ...this.input },
      output: { ...this.output },
      droppedResources: { ...this.droppedResources },
      droppedExtensions: { ...this.droppedExtensions },
      droppedElements: { ...this.droppedElements },
      encounterLinksDerived: this.encounterLinksDerived,
      problemLinksDerived: this.problemLinksDerived,
    };
  }
}
