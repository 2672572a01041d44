/**
 * SMART on FHIR scopes (App Launch v2 `context/resource.cruds`, plus v1 `.read` / `.write` / `.*`).
 *
 * Lloyd's own capabilities use the same grammar with a lower-case "resource" name, e.g. `system/gp2gp.write`,
 * `system/admin.write`. The wildcard `*` covers FHIR resource types only (they start with a capital letter) and
 * never the restricted types in {@link RESTRICTED_RESOURCE_TYPES}, so `system/*.rs` does not open the audit trail.
 * A scope Lloyd cannot parse (including v2 scopes with `?` query restrictions) grants nothing, and neither does a
 * `patient/` scope on patient records: Lloyd issues no patient launch context, so there is no patient such a scope
 * could be limited to (see {@link RECORD_ACCESS_CONTEXTS}).
 *
 * @see https://build.fhir.org/ig/HL7/smart-app-launch/scopes-and-launch-context.html
 */

export type ScopeContext = 'patient' | 'user' | 'system';
export type Permission = 'c' | 'r' | 'u' | 'd' | 's';

export interface ParsedScope {
  context: ScopeContext;
  /** A FHIR resource type, `*`, or a Lloyd capability name such as `gp2gp`. */
  resource: string;
  permissions: ReadonlySet<Permission>;
}

/** Resource types a `*` wildcard never covers: they need a scope that names them. */
export const RESTRICTED_RESOURCE_TYPES: ReadonlySet<string> = new Set(['AuditEvent']);

const SCOPE = /^(patient|user|system)\/(\*|[A-Za-z][A-Za-z0-9]*)\.([a-z*]+)$/;
const V2_LETTERS = /^c?r?u?d?s?$/;
const V1_PERMISSIONS: Record<string, readonly Permission[]> = {
  read: ['r', 's'],
  write: ['c', 'u', 'd'],
  '*': ['c', 'r', 'u', 'd', 's'],
};

/** Splits a space-separated `scope` claim or form field into distinct scope strings. */
export function splitScopes(value: string): string[] {
  return [...new Set(value.split(/\s+/).filter((s) => s.length > 0))];
}

/** Parses one scope string; `undefined` when it is not a scope Lloyd understands. */
export function parseScope(scope: string): ParsedScope | undefined {
  const match = SCOPE.exec(scope);
  if (!match) return undefined;
  const [, context, resource, perms] = match as unknown as [string, ScopeContext, string, string];
  const v1 = V1_PERMISSIONS[perms];
  if (v1) return { context, resource, permissions: new Set(v1) };
  if (!V2_LETTERS.test(perms)) return undefined;
  return { context, resource, permissions: new Set(perms.split('') as Permission[]) };
}

function isFhirType(resource: string): boolean {
  return /^[A-Z]/.test(resource);
}

function resourceCovers(granted: string, required: string): boolean {
  if (granted === required) return true;
  return granted === '*' && isFhirType(required) && !RESTRICTED_RESOURCE_TYPES.has(required);
}

/** True when `granted` allows everything `required` asks for: same context, covering resource, superset of permissions. */
export function scopeCovers(granted: ParsedScope, required: ParsedScope): boolean {
  if (granted.context !== required.context || !resourceCovers(granted.resource, required.resource)) return false;
  for (const p of required.permissions) if (!granted.permissions.has(p)) return false;
  return true;
}

/**
 * The contexts whose scopes open patient records: `system/` (the consumer system) and `user/` (the person named by
 * `requesting_practitioner`). Not `patient/`: it means "the patient of the launch context", and Lloyd issues none, so
 * honouring it would open every patient. Deny by default.
 */
export const RECORD_ACCESS_CONTEXTS: ReadonlySet<ScopeContext> = new Set<ScopeContext>(['system', 'user']);

function grantsOnType(
  scopes: readonly string[],
  resourceType: string,
  permission: Permission,
  contexts: ReadonlySet<ScopeContext> = RECORD_ACCESS_CONTEXTS,
): boolean {
  return scopes.some((s) => {
    const parsed = parseScope(s);
    return (
      parsed !== undefined &&
      contexts.has(parsed.context) &&
      resourceCovers(parsed.resource, resourceType) &&
      parsed.permissions.has(permission)
    );
  });
}

/** True when some `system/` or `user/` scope lets the caller read `resourceType` (`patient/` scopes never do). */
export function grantsRead(scopes: readonly string[], resourceType: string): boolean {
  return grantsOnType(scopes, resourceType, 'r');
}

/** True when some `system/` or `user/` scope lets the caller search `resourceType` (`patient/` scopes never do). */
export function grantsSearch(scopes: readonly string[], resourceType: string): boolean {
  return grantsOnType(scopes, resourceType, 's');
}

/**
 * A scope requirement, as given to `@RequireScopes(...)`:
 * - `read:<ResourceType>` – the caller may read that type, in `system/` or `user/` context (see {@link grantsRead});
 * - `search:<ResourceType>` – the caller may search that type, in `system/` or `user/` context (see {@link grantsSearch});
 * - a SMART scope such as `system/gp2gp.write` or `system/AuditEvent.read` – some granted scope in the same context
 *   covers it (`system/AuditEvent.read` is met by `system/AuditEvent.rs`; `system/gp2gp.write` only by a gp2gp scope).
 */
export type ScopeRequirement = `read:${string}` | `search:${string}` | `${ScopeContext}/${string}`;

const TYPED_REQUIREMENT = /^(read|search):([A-Z][A-Za-z0-9]*)$/;
/** Throws when a requirement is not in one of the forms of {@link ScopeRequirement}; used when routes are declared. */
export function assertValidRequirement(requirement: string): void {
  if (TYPED_REQUIREMENT.test(requirement) || parseScope(requirement)) return;
  throw new Error(
    `"${requirement}" is not a scope requirement: use read:<ResourceType>, search:<ResourceType> or a SMART scope such as system/gp2gp.write`,
  );
}

/** True when the granted `scopes` meet `requirement` (see {@link ScopeRequirement}); anything unrecognised is false. */
export function satisfiesRequirement(scopes: readonly string[], requirement: string): boolean {
  const typed = TYPED_REQUIREMENT.exec(requirement);
  if (typed) return typed[1] === 'read' ? grantsRead(scopes, typed[2]!) : grantsSearch(scopes, typed[2]!);
  const required = parseScope(requirement);
  if (!required) return false;
  return scopes.some((s) => {
    const granted = parseScope(s);
    return granted !== undefined && scopeCovers(granted, required);
  });
}

/**
 * True when `requirement` is not met but a `patient/` scope of the token names it: the caller should be told that
 * patient-context scopes are not supported, rather than only that a scope is missing.
 */
export function onlyPatientContextCovers(scopes: readonly string[], requirement: string): boolean {
  const typed = TYPED_REQUIREMENT.exec(requirement);
  if (!typed || satisfiesRequirement(scopes, requirement)) return false;
  return grantsOnType(scopes, typed[2]!, typed[1] === 'read' ? 'r' : 's', new Set<ScopeContext>(['patient']));
}

/** The SMART scope a client asks for to meet `requirement`: `read:Condition` → `system/Condition.r`. */
export function scopeToAskFor(requirement: string): string {
  const typed = TYPED_REQUIREMENT.exec(requirement);
  return typed ? `system/${typed[2]!}.${typed[1] === 'read' ? 'r' : 's'}` : requirement;
}
