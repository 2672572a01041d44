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

function resourceJson(resource: unknown): string | undefined {
  if (resource === null || typeof resource !== 'object' || !immutable.has(resource)) return JSON.stringify(resource);
  let json = written.get(resource);
  if (json === undefined) {
    json = JSON.stringify(resource);
    written.set(resource, json);
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
    ? objectJson(entry, (key, member) => (key === 'resource' ? resourceJson(member) : JSON.stringify(member)))
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

/**
 * Exactly `JSON.stringify(value)`, but a Bundle's immutable entry resources are written from their kept JSON rather
 * than serialised again: the reply serialiser for FHIR answers.
 */
export function fhirJson(value: unknown): string {
  if (value instanceof WrittenJson) return value.text;
  const bundle = value as { resourceType?: unknown; entry?: unknown; toJSON?: unknown } | null;
  if (
    bundle === null ||
    typeof bundle !== 'object' ||
    bundle.resourceType !== 'Bundle' ||
    !Array.isArray(bundle.entry) ||
    bundle.toJSON !== undefined
  ) {
    return JSON.stringify(value);
  }
  return objectJson(bundle, (key, member) => {
    if (key !== 'entry') return JSON.stringify(member);
    return `[${(member as unknown[]).map((entry) => entryJson(entry) ?? 'null').join(',')}]`;
  });
}
