/**
 * Opaque, stable resource ids that carry their source: the practice's ODS code and the supplier's own id.
 * Base64url keeps them URL-safe and FHIR-id-safe ([A-Za-z0-9\-.]{1,64} after the alphabet's `_` is mapped to `.`).
 */
export function encodeResourceId(ods: string, sourceId: string): string {
  return Buffer.from(`${ods}|${sourceId}`, 'utf8').toString('base64url').replace(/_/g, '.');
}

export function decodeResourceId(id: string): { ods: string; sourceId: string } | null {
  if (!/^[A-Za-z0-9\-.]{1,64}$/.test(id)) return null;
  const text = Buffer.from(id.replace(/\./g, '_'), 'base64url').toString('utf8');
  const bar = text.indexOf('|');
  if (bar <= 0 || bar === text.length - 1) return null;
  return { ods: text.slice(0, bar), sourceId: text.slice(bar + 1) };
}
