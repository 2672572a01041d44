import { createHash } from 'node:crypto';

/** STU3 types that R4 renamed; everything else keeps its name. */
const R4_TYPE: Readonly<Record<string, string>> = {
  ProcedureRequest: 'ServiceRequest',
  ReferralRequest: 'ServiceRequest',
};

/** Types whose resources the conversion drops, so references to them are dropped too. */
const DROPPED_TYPES = new Set(['List']);

const ID_CHARS = /[^A-Za-z0-9\-.]/g;
const MAX_ID = 64;

export function r4TypeOf(stu3Type: string): string {
  return R4_TYPE[stu3Type] ?? stu3Type;
}

/**
 * A canonical id (`[A-Za-z0-9\-.]{1,64}`) for a source id: other characters become `-`, and an id that is too long
 * keeps its start and gains a hash of the whole, so distinct long ids stay distinct.
 */
export function sanitiseId(id: string): string {
  const cleaned = id.replace(ID_CHARS, '-');
  if (cleaned.length === 0) return 'id';
  if (cleaned.length <= MAX_ID) return cleaned;
  const hash = createHash('sha256').update(id).digest('hex').slice(0, 12);
  return `${cleaned.slice(0, MAX_ID - hash.length - 1)}-${hash}`;
}

/**
 * Source ids → canonical ids, unique per R4 type (ProcedureRequest and ReferralRequest share ServiceRequest's
 * space), so every reference in the record is rewritten the same way.
 */
export class IdRegistry {
  private readonly bySource = new Map<string, string>();
  private readonly byFullUrl = new Map<string, string>();
  private readonly used = new Map<string, Set<string>>();

  /** Registers a resource and returns its canonical id (the same on every call for the same source id). */
  register(stu3Type: string, id: string, fullUrl?: string): string {
    const key = `${stu3Type}/${id}`;
    const known = this.bySource.get(key);
    if (known !== undefined) return known.slice(known.indexOf('/') + 1);
    const type = r4TypeOf(stu3Type);
    const taken = this.used.get(type) ?? new Set<string>();
    this.used.set(type, taken);
    const base = sanitiseId(id);
    let candidate = base;
    for (let n = 2; taken.has(candidate); n++) {
      const suffix = `-${n}`;
      candidate = `${base.slice(0, MAX_ID - suffix.length)}${suffix}`;
    }
    taken.add(candidate);
    this.bySource.set(key, `${type}/${candidate}`);
    if (fullUrl) this.byFullUrl.set(fullUrl, `${type}/${candidate}`);
    return candidate;
  }

  isRegistered(stu3Type: string, id: string): boolean {
    return this.bySource.has(`${stu3Type}/${id}`);
  }

  /**
   * The canonical form of a reference: `Type/id` for a resource of the record (renamed type, canonical id), the same
   * sanitising for a resource outside it, `null` for a reference to a dropped type (the caller drops it), and other
   * forms (contained `#x`, absolute URLs) unchanged.
   */
  rewrite(reference: string): string | null {
    const viaFullUrl = this.byFullUrl.get(reference);
    if (viaFullUrl !== undefined) return viaFullUrl;
    if (reference.startsWith('#')) return reference;
    const match = /^([A-Z][A-Za-z]+)\/([^/]+)(\/_history\/[^/]+)?$/.exec(reference);
    if (!match) return reference;
    const [, type = '', id = ''] = match;
    if (DROPPED_TYPES.has(type)) return null;
    return this.bySource.get(`${type}/${id}`) ?? `${r4TypeOf(type)}/${sanitiseId(id)}`;
  }
}
