import { StoredSecrets } from '@lloyd/auth';
import { OperationOutcomeError } from '@lloyd/fhir';
import { InMemoryKeyValueStore } from '@lloyd/store';
import { PageTokens } from './page-tokens.js';

async function tokens(kv = new InMemoryKeyValueStore()): Promise<PageTokens> {
  const pages = new PageTokens(new StoredSecrets(kv));
  await pages.onModuleInit();
  return pages;
}

const expectRefused = (run: () => unknown) => {
  expect(run).toThrow(OperationOutcomeError);
};

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

describe('PageTokens', () => {
  it('gives back the offset of a token issued for the same query, on any replica sharing the store', async () => {
    const kv = new InMemoryKeyValueStore();
    const [one, other] = [await tokens(kv), await tokens(kv)];
    const token = one.issue('type=Condition&patient=p1', 40);
    expect(other.offsetOf('type=Condition&patient=p1', token)).toBe(40);
  });

  it('refuses a token for another query, another offset, or from another key', async () => {
    const pages = await tokens();
    const token = pages.issue('q', 40);
    expectRefused(() => pages.offsetOf('q2', token));
    expectRefused(() => pages.offsetOf('q', token.replace(/^40\./, '41.')));
    const stranger = await tokens();
    expectRefused(() => stranger.offsetOf('q', token));
  });

  it('accepts only the exact text issued: every other last character, spelling of the offset or extra part is refused', async () => {
    const pages = await tokens();
    const token = pages.issue('q', 40);
    const [offset, signature] = token.split('.') as [string, string];
    for (const c of BASE64URL) {
      if (c === signature.at(-1)) continue;
      expectRefused(() => pages.offsetOf('q', `${offset}.${signature.slice(0, -1)}${c}`));
    }
    for (const spelling of ['040', '40.0', '4e1', '+40', ' 40'])
      expectRefused(() => pages.offsetOf('q', `${spelling}.${signature}`));
    expectRefused(() => pages.offsetOf('q', `${token}.extra`));
    expectRefused(() => pages.offsetOf('q', signature));
    expectRefused(() => pages.offsetOf('q', ''));
  });
});
