/**
 * Every `reference` string in a resource (or any part of one), in document order, not looking inside `contained`
 * resources, whose references are their own.
 */
export function referencesIn(value: unknown): string[] {
  const found: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) for (const item of node) walk(item);
    else if (node !== null && typeof node === 'object') {
      for (const [key, child] of Object.entries(node)) {
        if (key === 'reference' && typeof child === 'string') found.push(child);
        else if (key !== 'contained') walk(child);
      }
    }
  };
  walk(value);
  return found;
}
