/**
 * Resources frozen by {@link deepFreeze}: they can never change, so their JSON is written once and reused. A record
 * held while its supplier answers "not modified" is served many times from the same frozen resources.
 */
const immutable = new WeakSet<object>();
const written = new WeakMap<object, string>();

/**
 * Freezes a value and everything reachable from it, and returns it. Resources inside it (objects with a
 * `resourceType`) are remembered as immutable, so {@link fhirJson} writes each one's JSON only once.
 */
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  if (typeof (value as { resourceType?: unknown }).resourceType === 'string') immutable.add(value);
  return value;
}

/** A value's JSON: kept from the first time for an immutable object, written afresh for anything else. */
function keptJson(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object' || !immutable.has(value)) return JSON.stringify(value);
  let json = written.get(value);
  if (json === undefined) {
    json = JSON.stringify(value);
    written.set(value, json);
  }
  return json;
}

/** `{…}` with each member written by `write` (undefined: left out, as JSON.stringify leaves it out). */
function objectJson(value: object, write: (key: string, member: unknown) => string | undefined): string {
  let out = '{';
  for (const key of Object.keys(value)) {
    const json = write(key, (value as Record<string, unknown>)[key]);
    if (json === undefined) continue;
    if (out.length > 1) out += ',';
    out += `${JSON.stringify(key)}:${json}`;
  }
  return `${out}}`;
}

const entryJson = (entry: unknown): string | undefined =>
  entry !== null &&
  typeof entry === 'object' &&
  !Array.isArray(entry) &&
  typeof (entry as { toJSON?: unknown }).toJSON !== 'function'
    ? objectJson(entry, (key, member) => (key === 'resource' ? keptJson(member) : JSON.stringify(member)))
    : JSON.stringify(entry);

/**
 * An answer whose JSON is already written (for example from a template kept between requests): {@link fhirJson}
 * sends its text as it is.
 */
export class WrittenJson {
  constructor(readonly text: string) {}

  /** What `JSON.stringify` would make of it: the JSON it holds, not a string of it. */
  toJSON(): unknown {
    return JSON.parse(this.text);
  }
}

const arrayJson = (items: unknown[], write: (item: unknown) => string | undefined): string =>
  `[${items.map((item) => write(item) ?? 'null').join(',')}]`;

/**
 * Exactly `JSON.stringify(value)`, but the parts that are kept whole are written from their kept JSON rather than
 * serialised again: a Bundle's immutable entry resources (the reply serialiser for FHIR answers).
 */
export function fhirJson(value: unknown): string {
  if (value instanceof WrittenJson) return value.text;
  const resource = value as { resourceType?: unknown; entry?: unknown; toJSON?: unknown } | null;
  if (resource === null || typeof resource !== 'object' || resource.toJSON !== undefined) return JSON.stringify(value);
  if (resource.resourceType === 'Bundle' && Array.isArray(resource.entry)) {
    return objectJson(resource, (key, member) =>
      key === 'entry' ? arrayJson(member as unknown[], entryJson) : JSON.stringify(member),
    );
  }
  return JSON.stringify(value);
}
