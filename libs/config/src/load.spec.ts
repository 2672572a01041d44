import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig, projectRoot } from './load.js';

describe('loadConfig', () => {
  it('reads the shipped defaults with no environment', () => {
    const config = loadConfig({ env: {} });
    expect(config.server.port).toBe(8080);
    expect(config.server.host).toBe('127.0.0.1');
    expect(config.store.redisUrl).toBeUndefined();
    expect(config.auth.embeddedIssuer.clients.map((c) => c.id)).toEqual(
      expect.arrayContaining(['hospital-epr', 'social-care', 'no-agreement', 'gp2gp-broker', 'auditor', 'admin']),
    );
  });

  it('layers LLOYD_CONFIG, then environment variables, then explicit overrides', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lloyd-config-'));
    const file = join(dir, 'site.yaml');
    writeFileSync(file, 'server:\n  port: 9000\n  bodyLimitBytes: 2048\nobservability:\n  logLevel: debug\n');
    const config = loadConfig({
      env: { LLOYD_CONFIG: file, PORT: '9100', REDIS_URL: 'redis://127.0.0.1:6390' },
      overrides: { observability: { logLevel: 'error' } },
    });
    expect(config.server.port).toBe(9100);
    expect(config.server.bodyLimitBytes).toBe(2048);
    expect(config.store.redisUrl).toBe('redis://127.0.0.1:6390');
    expect(config.observability.logLevel).toBe('error');
  });

  it('names the bad key when a value is invalid', () => {
    expect(() => loadConfig({ env: {}, overrides: { server: { port: 70000 } } })).toThrow(/server\.port/);
    expect(() => loadConfig({ env: { REDIS_URL: 'http://nope' } })).toThrow(/store\.redisUrl: must be a redis/);
  });

  it('refuses a misspelt or misplaced key anywhere, naming each, rather than quietly using the default', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lloyd-config-'));
    const file = join(dir, 'typos.yaml');
    writeFileSync(
      file,
      [
        'sever: { port: 9000 }',
        'resilience: { breakerTreshold: 1 }',
        'access:',
        '  agreements:',
        '    - { id: a1, dataControllers: [P10001], consumer: { ods: RX9 }, sections: [allergies], validFrom: "2026-01-01", validUntil: "2026-05-01" }',
      ].join('\n'),
    );
    const error = (() => {
      try {
        loadConfig({ env: { LLOYD_CONFIG: file } });
        return undefined;
      } catch (err) {
        return err;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toMatch(/^ {2}- sever: not a setting Lloyd knows/m);
    expect(message).toMatch(/^ {2}- resilience\.breakerTreshold: not a setting Lloyd knows/m);
    expect(message).toMatch(/^ {2}- access\.agreements\[0\]\.validUntil: not a setting Lloyd knows/m);
  });

  it("the compose deployment's layer configures a supplier system for every practice the defaults name", () => {
    const defaults = loadConfig({ env: {} });
    const compose = loadConfig({ env: { LLOYD_CONFIG: join(projectRoot(), 'deploy', 'config', 'compose.yaml') } });
    const shape = (s: { ods: string; format: string; baseUrl: string }) => ({
      ods: s.ods,
      format: s.format,
      port: new URL(s.baseUrl).port,
    });
    expect(compose.suppliers.map(shape)).toEqual(defaults.suppliers.map(shape));
    expect(compose.suppliers.every((s) => new URL(s.baseUrl).hostname === 'supplier-sim')).toBe(true);
    const practices = new Set([
      ...Object.values(compose.registry.patients),
      ...compose.access.agreements.flatMap((a) => a.dataControllers),
    ]);
    expect([...practices].filter((ods) => !compose.suppliers.some((s) => s.ods === ods))).toEqual([]);
  });

  it('takes the resource id key from LLOYD_ID_KEY, and refuses one too short or not base64, saying how to make one', () => {
    const key = Buffer.alloc(32, 7).toString('base64');
    expect(loadConfig({ env: { LLOYD_ID_KEY: key } }).ids.key).toBe(key);
    expect(loadConfig({ env: {} }).ids.key).toBeUndefined();
    expect(loadConfig({ env: { LLOYD_ID_KEY: '' } }).ids.key).toBeUndefined();
    expect(() => loadConfig({ env: { LLOYD_ID_KEY: Buffer.alloc(16).toString('base64') } })).toThrow(
      /ids\.key: must be at least 32 bytes \(openssl rand -base64 32\)/,
    );
    expect(() => loadConfig({ env: { LLOYD_ID_KEY: 'not base64!' } })).toThrow(/ids\.key: must be base64/);
  });

  it('rejects an environment variable of the wrong kind, naming it', () => {
    expect(() => loadConfig({ env: { PORT: 'eighty' } })).toThrow(ConfigError);
    expect(() => loadConfig({ env: { PORT: 'eighty' } })).toThrow(/PORT="eighty" must be a whole number/);
  });

  it('takes a relative LLOYD_CONFIG from the folder npm was run in (INIT_CWD), not the project folder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lloyd-config-'));
    writeFileSync(join(dir, 'site.yaml'), 'server:\n  port: 9200\n');
    expect(loadConfig({ env: { LLOYD_CONFIG: 'site.yaml', INIT_CWD: dir } }).server.port).toBe(9200);
  });

  it('rejects an unreadable or malformed LLOYD_CONFIG file with its path', () => {
    expect(() => loadConfig({ env: { LLOYD_CONFIG: '/nonexistent/lloyd.yaml' } })).toThrow(
      /Cannot read config file \/nonexistent\/lloyd.yaml/,
    );
    const dir = mkdtempSync(join(tmpdir(), 'lloyd-config-'));
    writeFileSync(join(dir, 'bad.yaml'), 'server: [unclosed');
    expect(() => loadConfig({ env: { LLOYD_CONFIG: join(dir, 'bad.yaml') } })).toThrow(/is not valid YAML/);
  });

  it('requires exactly one of jwks or jwksUri for a trusted issuer', () => {
    expect(() =>
      loadConfig({ env: {}, overrides: { auth: { issuers: [{ issuer: 'https://idp.example', audience: 'lloyd' }] } } }),
    ).toThrow(/auth\.issuers\[0\]: give exactly one of jwks/);
  });
});
