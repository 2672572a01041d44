import { compact } from '@lloyd/adapters-core';
import { CONFIDENTIAL_SECURITY_LABEL } from '@lloyd/adapters-core';
import { isConfidentialityLabel } from '@lloyd/fhir';
import { IdRegistry } from './ids.js';
import { ReportBuilder } from './report.js';
import { r4CodeSystem } from './systems.js';

type Json = Record<string, unknown>;

/** The conversion met an input it cannot turn into a canonical record (e.g. no Patient). */
export class Stu3ConversionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Stu3ConversionError';
  }
}

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The SNOMED CT description the clinician chose (GP Connect's `Extension-coding-sctdescid`). */
const SCT_DESCRIPTION = /\/Extension-coding-sctdescid$/;

/** Security labels that mark an item confidential in STU3 (and, defensively, in R4 spelling). */
function isConfidentialLabel(coding: Json): boolean {
  const system = typeof coding['system'] === 'string' ? r4CodeSystem(coding['system']) : '';
  return isConfidentialityLabel({ system, code: coding['code'] });
}

/**
 * The state of one conversion: the id registry (so references are rewritten consistently), the report, and the
 * generic STU3 → R4 datatype conversion every resource converter uses.
 */
export class ConversionContext {
  readonly ids = new IdRegistry();
  readonly report = new ReportBuilder();
  /** `Patient/<id>` of the record's patient, once known; clinical items without a subject get it. */
  patientReference: string | undefined;

  /**
   * Converts an STU3 datatype value to R4: HL7 code systems renamed, references rewritten (references to dropped
   * resources removed), extensions dropped and counted. Empty results are `undefined`, as FHIR wants.
   */
  convert(value: unknown, path: string): unknown {
    if (Array.isArray(value)) {
      const items = value.map((v) => this.convert(v, path)).filter((v) => v !== undefined);
      return items.length > 0 ? items : undefined;
    }
    // FHIR JSON has no empty strings or nulls; some suppliers send them anyway.
    if (!isObject(value)) return value === null || value === '' ? undefined : value;
    const out: Json = {};
    for (const [key, v] of Object.entries(value)) {
      if (key === 'extension' || key === 'modifierExtension') {
        this.dropExtensions(v);
      } else if (key.startsWith('_')) {
        ReportBuilder.count(this.report.droppedElements, `${path}.${key}`);
      } else if (key === 'reference' && typeof v === 'string') {
        const rewritten = this.ids.rewrite(v);
        if (rewritten === null) return undefined;
        out[key] = rewritten;
      } else if (key === 'system' && typeof v === 'string' && 'code' in value) {
        out[key] = r4CodeSystem(v);
      } else {
        const converted = this.convert(v, `${path}.${key}`);
        if (converted !== undefined) out[key] = converted;
      }
    }
    return Object.keys(out).length > 0 ? out : undefined;
  }

  dropExtensions(extensions: unknown): void {
    if (!Array.isArray(extensions)) return;
    for (const ext of extensions) {
      const url = isObject(ext) && typeof ext['url'] === 'string' ? ext['url'] : '(no url)';
      ReportBuilder.count(this.report.droppedExtensions, url);
    }
  }

  /**
   * A CodeableConcept with its original term as `text`: the source's own text, else the SNOMED CT description the
   * clinician chose, else the display of the coding the user selected, else the first display.
   */
  concept(value: unknown, path: string): fhir4.CodeableConcept | undefined {
    if (!isObject(value)) return undefined;
    const converted = this.convert(value, path) as fhir4.CodeableConcept | undefined;
    if (!converted || converted.text) return converted;
    const codings = Array.isArray(value['coding']) ? value['coding'].filter(isObject) : [];
    const chosen = codings
      .flatMap((c) => (Array.isArray(c['extension']) ? c['extension'].filter(isObject) : []))
      .filter((e) => typeof e['url'] === 'string' && SCT_DESCRIPTION.test(e['url']))
      .flatMap((e) => (Array.isArray(e['extension']) ? e['extension'].filter(isObject) : []))
      .find((e) => e['url'] === 'descriptionDisplay' && typeof e['valueString'] === 'string')?.['valueString'];
    const selected = codings.find((c) => c['userSelected'] === true)?.['display'];
    const first = codings.find((c) => typeof c['display'] === 'string')?.['display'];
    const text = [chosen, selected, first].find((t): t is string => typeof t === 'string' && t.trim() !== '');
    return text ? { ...converted, text } : converted;
  }

  /** Meta: confidentiality labels become the canonical NOPAT label; STU3 profiles are dropped (they are not R4). */
  meta(value: unknown): fhir4.Meta | undefined {
    if (!isObject(value)) return undefined;
    const security = Array.isArray(value['security']) ? value['security'].filter(isObject) : [];
    const confidential = security.some(isConfidentialLabel);
    const others = security.filter((s) => !isConfidentialLabel(s));
    const meta: fhir4.Meta = {};
    if (typeof value['versionId'] === 'string') meta.versionId = value['versionId'];
    if (typeof value['lastUpdated'] === 'string') meta.lastUpdated = value['lastUpdated'];
    const labels = [
      ...(confidential ? [{ ...CONFIDENTIAL_SECURITY_LABEL }] : []),
      ...((this.convert(others, 'meta.security') as fhir4.Coding[] | undefined) ?? []),
    ];
    if (labels.length > 0) meta.security = labels;
    const tags = this.convert(value['tag'], 'meta.tag') as fhir4.Coding[] | undefined;
    if (tags) meta.tag = tags;
    return Object.keys(meta).length > 0 ? meta : undefined;
  }

  countOutput(resource: fhir4.Resource): void {
    ReportBuilder.count(this.report.output, resource.resourceType);
  }
}

/** How an extension is recognised: GP Connect / Care Connect names (any prefix and version) or an exact URL. */
export type ExtensionMatcher = string | RegExp;

/** A Care Connect / GP Connect extension by name, e.g. `PrescriptionType` matches `…Extension-CareConnect-GPC-PrescriptionType-1`. */
export function careConnect(name: string): RegExp {
  return new RegExp(`/Extension-CareConnect-(?:GPC-)?${name}-\\d+$`);
}

/**
 * One STU3 resource being converted. Converters read its elements through it, so whatever they did not read is
 * counted as dropped when they {@link Source.finish}.
 */
export class Source {
  private readonly consumed = new Set(['resourceType', 'id', 'meta', 'text', 'language', 'implicitRules', 'contained']);
  private extensions: Json[];

  constructor(
    readonly ctx: ConversionContext,
    readonly type: string,
    readonly raw: Json,
  ) {
    this.consumed.add('extension');
    this.extensions = Array.isArray(raw['extension']) ? raw['extension'].filter(isObject) : [];
  }

  take(key: string): unknown {
    this.consumed.add(key);
    return this.raw[key];
  }

  string(key: string): string | undefined {
    const value = this.take(key);
    return typeof value === 'string' && value !== '' ? value : undefined;
  }

  boolean(key: string): boolean | undefined {
    const value = this.take(key);
    return typeof value === 'boolean' ? value : undefined;
  }

  /** An element converted generically (see {@link ConversionContext.convert}). */
  dt<T>(key: string): T | undefined {
    return this.ctx.convert(this.take(key), `${this.type}.${key}`) as T | undefined;
  }

  concept(key: string): fhir4.CodeableConcept | undefined {
    return this.ctx.concept(this.take(key), `${this.type}.${key}`);
  }

  concepts(key: string): fhir4.CodeableConcept[] | undefined {
    const value = this.take(key);
    const list = (Array.isArray(value) ? value : [value])
      .map((v) => this.ctx.concept(v, `${this.type}.${key}`))
      .filter((c) => c !== undefined);
    return list.length > 0 ? list : undefined;
  }

  /** Removes and returns the resource's extensions that match; the rest are counted as dropped by `finish`. */
  extension(matcher: ExtensionMatcher): Json[] {
    const matches = (e: Json) =>
      typeof e['url'] === 'string' && (typeof matcher === 'string' ? e['url'] === matcher : matcher.test(e['url']));
    const found = this.extensions.filter(matches);
    this.extensions = this.extensions.filter((e) => !matches(e));
    return found;
  }

  /** Counts every element and extension the converter did not read. */
  finish(): void {
    for (const key of Object.keys(this.raw)) {
      if (key === 'modifierExtension') this.ctx.dropExtensions(this.raw[key]);
      else if (!this.consumed.has(key)) ReportBuilder.count(this.ctx.report.droppedElements, `${this.type}.${key}`);
    }
    this.ctx.dropExtensions(this.extensions);
    this.extensions = [];
  }
}

/** The sub-extension `name` of a complex extension. */
export function subExtension(extension: Json, name: string): Json | undefined {
  const parts = Array.isArray(extension['extension']) ? extension['extension'].filter(isObject) : [];
  return parts.find((p) => p['url'] === name);
}

export { compact };
