import { createHash } from 'node:crypto';
import fc from 'fast-check';
import type { AuditEvent } from '@lloyd/fhir';
import { AUDIT_CHAIN_EXTENSION, chainLink, GENESIS_HASH, hashOfStored, sealEvent } from './hash-chain.js';

const event = (overrides: Partial<AuditEvent> = {}): AuditEvent => ({
  resourceType: 'AuditEvent',
  id: 'e1',
  type: { system: 'http://dicom.nema.org/resources/ontology/DCM', code: '110110', display: 'Patient Record' },
  recorded: '2026-11-23T10:00:00.000Z',
  outcome: '0',
  agent: [{ requestor: true, who: { display: 'Dr Jones' } }],
  source: { observer: { display: 'Lloyd gateway' } },
  entity: [{ what: { reference: 'AllergyIntolerance/a1' } }],
  ...overrides,
});

describe('sealEvent', () => {
  it('stores the event with its chain extension last, and hashes sha256(previousHash + the text without the hash)', () => {
    const previous = 'a'.repeat(64);
    const sealed = sealEvent(event(), 7, previous);
    const stored = JSON.parse(sealed.stored) as AuditEvent;
    expect(stored).toEqual(sealed.event);
    expect(Object.keys(stored).at(-1)).toBe('extension');
    expect(chainLink(stored)).toEqual({ sequence: 7, previousHash: previous, hash: sealed.hash });
    // The documented definition, computed independently of sealEvent: the stored JSON less its hash part.
    const withoutHash = {
      ...stored,
      extension: [{ url: AUDIT_CHAIN_EXTENSION, extension: stored.extension![0]!.extension!.slice(0, 2) }],
    };
    const expected = createHash('sha256').update(previous).update(JSON.stringify(withoutHash)).digest('hex');
    expect(sealed.hash).toBe(expected);
    expect(hashOfStored(sealed.stored, chainLink(stored)!)).toBe(expected);
  });

  it('keeps other extensions and replaces an earlier chain extension', () => {
    const other = { url: 'https://example.org/other', valueString: 'kept' };
    const resealed = sealEvent(sealEvent(event({ extension: [other] }), 1, GENESIS_HASH).event, 2, 'b'.repeat(64));
    expect(resealed.event.extension?.map((e) => e.url)).toEqual([other.url, AUDIT_CHAIN_EXTENSION]);
    expect(chainLink(resealed.event)?.sequence).toBe(2);
  });

  it('detects any edit to the stored text, and a re-serialisation of the same content', () => {
    const sealed = sealEvent(event(), 1, GENESIS_HASH);
    const link = chainLink(sealed.event)!;
    const hashAt = sealed.stored.indexOf(',{"url":"hash"');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: hashAt - 1 }), fc.string({ minLength: 1, maxLength: 1 }), (at, c) => {
        fc.pre(sealed.stored[at] !== c);
        const edited = sealed.stored.slice(0, at) + c + sealed.stored.slice(at + 1);
        expect(hashOfStored(edited, link)).not.toBe(link.hash);
      }),
    );
    const { resourceType, ...rest } = sealed.event;
    const reordered = JSON.stringify({ ...rest, resourceType });
    expect(JSON.parse(reordered)).toEqual(sealed.event);
    expect(hashOfStored(reordered, link)).toBeUndefined();
  });

  it('finds no hash in a text whose hash part names another hash', () => {
    const sealed = sealEvent(event(), 1, GENESIS_HASH);
    expect(hashOfStored(sealed.stored, { ...chainLink(sealed.event)!, hash: 'f'.repeat(64) })).toBeUndefined();
  });
});
