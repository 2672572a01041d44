import { createHmac, timingSafeEqual } from 'node:crypto';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { StoredSecrets } from '@lloyd/auth';
import { outcomes } from '@lloyd/fhir';
import { storedSecret } from './stored-secret.js';

const KEY = 'fhir:paging-key';

/**
 * Signs paging state (the query and the offset) into the `_page` parameter of `next` links, so a client cannot edit
 * its way to other data: a changed offset or query no longer matches its signature. The key lives in the store, so
 * every gateway replica accepts every other's links.
 */
@Injectable()
export class PageTokens implements OnModuleInit {
  private key: Buffer = Buffer.alloc(0);

  constructor(private readonly secrets: StoredSecrets) {}

  async onModuleInit(): Promise<void> {
    this.key = (await storedSecret(this.secrets, KEY, 'paging-key', (key) => (this.key = key))).value;
  }

  /** A token for `offset` within the query identified by `query` (a canonical string of the other parameters). */
  issue(query: string, offset: number): string {
    return `${offset}.${this.sign(query, offset)}`;
  }

  /** The offset a token stands for; 400 when it was not issued for this query. */
  offsetOf(query: string, token: string): number {
    const [offsetText = '', signature = '', ...rest] = token.split('.');
    const offset = Number(offsetText);
    // Only the exact text issued is accepted: no other spelling of the offset, and the signature compared as the
    // characters sent (decoding base64url would ignore the spare bits of its last character).
    const canonical = rest.length === 0 && /^(0|[1-9]\d*)$/.test(offsetText) && Number.isSafeInteger(offset);
    const expected = Buffer.from(canonical ? this.sign(query, offset) : '');
    const given = Buffer.from(signature);
    if (expected.length === 0 || given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw outcomes.badRequest('The _page parameter is not valid for this search. Start again from the first page.');
    }
    return offset;
  }

  private sign(query: string, offset: number): string {
    return createHmac('sha256', this.key).update(`${query}\n${offset}`).digest('base64url').slice(0, 22);
  }
}
