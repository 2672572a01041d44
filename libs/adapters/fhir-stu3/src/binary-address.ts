/**
 * A document's address on this provider: its attachment url resolved against the provider's base, when that is
 * the provider's own `Binary/{id}` (same origin, under the base path, no query). Undefined for any other address,
 * which is never fetched: a record cannot send Lloyd to another host or endpoint.
 */
export function providerBinary(base: URL, address: string | undefined): { url: URL; id: string } | undefined {
  if (!address) return undefined;
  let url: URL;
  try {
    url = new URL(address, base);
  } catch {
    return undefined;
  }
  const match = /\/Binary\/([^/]+)$/.exec(url.pathname);
  if (!match || url.origin !== base.origin || !url.pathname.startsWith(base.pathname) || url.search) return undefined;
  // The id as it stands in the address, percent-encoded, ready for a request path.
  return { url, id: match[1]! };
}
