import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ConfigError, loadConfig } from './load.js';
import { recordSections } from './schema-access.js';

const ALL_SECTIONS = [...recordSections];

/** An agreement as an operator would write it in the config file (P10001 for RX1, allergies, from 2026-01-01). */
function agreement(id: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    dataControllers: ['P10001'],
    consumer: { ods: 'RX1' },
    sections: ['allergies'],
    validFrom: '2026-01-01',
    ...overrides,
  };
}

/** Loads the defaults layered with a LLOYD_CONFIG file holding `access` (lists replace the defaults' lists). */
function loadWithAccess(access: Record<string, unknown>) {
  const file = join(mkdtempSync(join(tmpdir(), 'lloyd-access-')), 'site.yaml');
  writeFileSync(file, stringify({ access }));
  return loadConfig({ env: { LLOYD_CONFIG: file } });
}

/** The ConfigError's message when loading fails. */
function problemsWith(access: Record<string, unknown>): string {
  try {
    loadWithAccess(access);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('the configuration was accepted');
}

describe('the access block of the configuration', () => {
  it('refuses a practice listed twice, naming the second entry and the first', () => {
    const message = problemsWith({
      practices: [
        { ods: 'P10001', enabled: true },
        { ods: 'P10001', enabled: false },
      ],
    });
    expect(message).toMatch(
      /^ {2}- access\.practices\[1\]: practice P10001 is listed again \(first at access\.practices\[0\]\); list each practice once/m,
    );
  });

  it('refuses an agreement id used twice', () => {
    const message = problemsWith({
      agreements: [agreement('a1'), agreement('a1', { consumer: { ods: 'SC100' } })],
    });
    expect(message).toMatch(/^ {2}- access\.agreements\[1\]\.id: "a1" is also the id of access\.agreements\[0\]/m);
  });

  it('refuses an agreement for a type that covers an organisation another agreement names, as the admin API does', () => {
    // RX1 is an acute trust in the defaults' access.organisationTypes.
    const message = problemsWith({
      agreements: [
        agreement('a1'),
        agreement('a2', { consumer: { organisationType: 'acute-trust' }, sections: ALL_SECTIONS }),
      ],
    });
    expect(message).toMatch(
      /^ {2}- access\.agreements\[1\]: overlaps agreement a1 \(access\.agreements\[0\]\) for consumers that overlap \(organisations of type acute-trust; organisation RX1 in agreement a1\) and data controller P10001: a2 runs 2026-01-01 to open-ended, a1 2026-01-01 to open-ended\./m,
    );
  });

  it.each<[string, Record<string, unknown>, Record<string, unknown>, RegExp]>([
    [
      'the same consumer, on some of the same days',
      agreement('a1', { validTo: '2026-07-01' }),
      agreement('a2', { dataControllers: ['P20002', 'P10001'], validFrom: '2026-06-30' }),
      /access\.agreements\[1\]: overlaps agreement a1 .* for the same consumer \(organisation RX1\) and data controller P10001: a2 runs 2026-06-30 to open-ended, a1 2026-01-01 to 2026-07-01/,
    ],
    [
      'an organisation named after the type that covers it',
      agreement('a1', { consumer: { organisationType: 'acute-trust' } }),
      agreement('a2', { consumer: { ods: 'RZZ' } }),
      /access\.agreements\[1\]: overlaps agreement a1 /,
    ],
  ])('refuses overlapping agreements: %s', (_name, first, second, expected) => {
    expect(problemsWith({ agreements: [first, second] })).toMatch(expected);
  });

  it.each<[string, Record<string, unknown>]>([
    ['a successor that starts the day the first stops', agreement('a2', { validFrom: '2026-07-01' })],
    ['another data controller', agreement('a2', { dataControllers: ['P20002'] })],
    ['another consumer', agreement('a2', { consumer: { ods: 'SC100' } })],
    ['a type that does not cover the named organisation', agreement('a2', { consumer: { organisationType: 'x' } })],
  ])('accepts agreements that do not overlap: %s', (_name, second) => {
    const config = loadWithAccess({ agreements: [agreement('a1', { validTo: '2026-07-01' }), second] });
    expect(config.access.agreements.map((a) => a.id)).toEqual(['a1', 'a2']);
  });

  it('refuses a validFrom or validTo that is not a calendar date', () => {
    const message = problemsWith({
      agreements: [agreement('a1', { validFrom: '2026-13-01' }), agreement('a2', { validTo: '2027-02-30' })],
    });
    expect(message).toMatch(/^ {2}- access\.agreements\[0\]\.validFrom: "2026-13-01" is not a calendar date/m);
    expect(message).toMatch(/^ {2}- access\.agreements\[1\]\.validTo: "2027-02-30" is not a calendar date/m);
    // A date that is not one cannot be compared: a2 is not also reported as overlapping a1.
    expect(message).not.toMatch(/overlaps/);
  });

  it("refuses a data controller with no configured supplier system, saying how to add one, as the README's rules say", () => {
    const message = problemsWith({ agreements: [agreement('a1', { dataControllers: ['P10001', 'P77777'] })] });
    expect(message).toMatch(
      /^ {2}- access\.agreements\[0\]\.dataControllers\[1\]: practice P77777 is unknown to Lloyd .* add the practice's supplier system to suppliers/m,
    );
  });

  it('accepts practice settings for a practice whose supplier is not configured (the defaults list all four)', () => {
    expect(
      loadWithAccess({ practices: [{ ods: 'P10001' }, { ods: 'P77777', enabled: true }] }).access.practices,
    ).toHaveLength(2);
  });

  it('names every problem of the block at once', () => {
    const message = problemsWith({
      practices: [{ ods: 'P10001' }, { ods: 'P10001' }],
      agreements: [
        agreement('a1'),
        agreement('a2', { consumer: { organisationType: 'acute-trust' } }),
        agreement('a3', { validFrom: '2026-02-29' }),
      ],
    });
    expect(message.split('\n').filter((line) => line.startsWith('  - '))).toEqual([
      expect.stringMatching(/^ {2}- access\.practices\[1\]: /),
      expect.stringMatching(/^ {2}- access\.agreements\[2\]\.validFrom: /),
      expect.stringMatching(/^ {2}- access\.agreements\[1\]: overlaps agreement a1 /),
    ]);
  });

  it('accepts the shipped defaults unchanged', () => {
    expect(loadConfig({ env: {} }).access.agreements.map((a) => a.id)).toEqual([
      'demo-hospital-all',
      'demo-social-care',
    ]);
  });
});
