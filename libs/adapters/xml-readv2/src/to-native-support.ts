import { CODE_SYSTEMS, type CanonicalRecord } from '@lloyd/adapters-core';
import { hasConfidentialityLabel } from '@lloyd/fhir';
import { schemeOfSystem } from './code-schemes.js';
import type { Attributes, NativeXmlWriter } from './native-writer.js';

const SDS_USER_SYSTEM = 'https://fhir.nhs.uk/Id/sds-user-id';
const PARTIAL_DATE = /^\d{4}(-\d{2}(-\d{2})?)?/;
const ID = /^[A-Za-z0-9\-.]{1,64}$/;

/** Lookups every translation step needs over one canonical record. */
export class ToNativeContext {
  private readonly byRef = new Map<string, fhir4.Resource>();

  constructor(readonly record: CanonicalRecord) {
    for (const resource of [...record.practitioners, ...record.resources]) {
      if (resource.id) this.byRef.set(`${resource.resourceType}/${resource.id}`, resource);
    }
  }

  resolve<T extends fhir4.Resource>(ref: fhir4.Reference | undefined, type: T['resourceType']): T | undefined {
    const target = ref?.reference;
    if (!target?.startsWith(`${type}/`)) return undefined;
    return this.byRef.get(target) as T | undefined;
  }

  /** The SDS user id of a referenced practitioner (its id when it carries none). */
  sdsUserId(ref: fhir4.Reference | undefined): string | undefined {
    if (ref?.identifier?.system === SDS_USER_SYSTEM) return ref.identifier.value;
    const practitioner = this.resolve<fhir4.Practitioner>(ref, 'Practitioner');
    return practitioner?.identifier?.find((i) => i.system === SDS_USER_SYSTEM)?.value ?? practitioner?.id;
  }

  /** The consultation an item was recorded in, when the record holds it. */
  consultationOf(ref: fhir4.Reference | undefined): string | undefined {
    return this.resolve<fhir4.Encounter>(ref, 'Encounter')?.id;
  }
}

export const sourceRef = (r: fhir4.Resource) => `${r.resourceType}/${r.id ?? ''}`;

/** The date part the system keeps (`YYYY[-MM[-DD]]`) of a FHIR date or dateTime. */
export function partialDate(value: string | undefined): string | undefined {
  return value ? PARTIAL_DATE.exec(value)?.[0] : undefined;
}

const LONDON = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

/** The system records consultation times as UK local time to the minute (`YYYY-MM-DDTHH:mm`). */
export function ukLocalMinute(value: string | undefined): string | undefined {
  if (!value) return undefined;
  if (!value.includes('T')) {
    const day = partialDate(value);
    if (!day) return undefined;
    return `${day.length === 4 ? `${day}-01-01` : day.length === 7 ? `${day}-01` : day}T00:00`;
  }
  const at = Date.parse(value);
  if (Number.isNaN(at)) return undefined;
  const p = Object.fromEntries(LONDON.formatToParts(new Date(at)).map((part) => [part.type, part.value]));
  return `${p['year']}-${p['month']}-${p['day']}T${p['hour']}:${p['minute']}`;
}

/** The coding the system gets for a concept: Read v2 when the record carries it, else the original one. */
function nativeCoding(concept: fhir4.CodeableConcept | undefined): Attributes | undefined {
  const codings = (concept?.coding ?? []).filter((c) => c.code);
  const read = codings.find((c) => c.system === CODE_SYSTEMS.readv2);
  if (read) return { scheme: 'READ2', code: read.code, term: read.display };
  const original = codings[0];
  if (!original) return undefined;
  return { scheme: schemeOfSystem(original.system), code: original.code, term: original.display };
}

/** The text as the clinician recorded it: the concept's text, else the display of its first coding. */
export function termOf(concept: fhir4.CodeableConcept | undefined): string | undefined {
  return concept?.text ?? concept?.coding?.find((c) => c.display)?.display;
}

/** `<Code>` and `<Term>`, the body every coded item starts with. */
export function writeCoded(w: NativeXmlWriter, concept: fhir4.CodeableConcept | undefined, term?: string): void {
  const code = nativeCoding(concept);
  if (code) w.element('Code', code);
  w.text('Term', term ?? termOf(concept));
}

/** The attributes every clinical item carries. */
export function itemAttributes(
  ctx: ToNativeContext,
  resource: fhir4.Resource,
  date: string | undefined,
  encounter: fhir4.Reference | undefined,
  sourceRefs: readonly string[] = [sourceRef(resource)],
): Attributes {
  return {
    id: resource.id,
    date: partialDate(date) ?? partialDate(ctx.record.patient.birthDate) ?? '1900',
    confidential: hasConfidentialityLabel(resource),
    consultation: ctx.consultationOf(encounter),
    sourceRefs: sourceRefs.join(' '),
  };
}

/** Only resources with ids the system can keep are sent; the others are reported not integrated. */
export function hasNativeId(resource: fhir4.Resource): boolean {
  return resource.id !== undefined && ID.test(resource.id);
}
