import { loadConfig } from '@lloyd/config';
import { SupplierDirectory } from '@lloyd/federation';
import { configuredOptions, endpointsFromDirectory } from './gp2gp.module.js';
import { FakeTransferSystem } from './testing/index.js';

describe('Gp2gpModule wiring', () => {
  it("finds a practice's transfer endpoint in the supplier directory, or in an adapter that implements it", () => {
    const directory = new SupplierDirectory([
      {
        ods: 'P10001',
        name: 'XML practice',
        format: 'xml-readv2',
        baseUrl: 'http://127.0.0.1:1',
        timeoutMs: 1000,
        revalidatedCacheBytes: 0,
      },
    ]);
    const endpoints = endpointsFromDirectory(directory);
    expect(endpoints.get('P10001')).toBe(directory.get('P10001')!.transfer);
    expect(endpoints.get('P10001')).toBeDefined();
    expect(endpoints.practice('Q00000')).toEqual({ known: false });
    const withoutTransfer = endpointsFromDirectory({
      get: (ods: string) =>
        ods === 'P10001'
          ? { config: directory.get('P10001')!.config, adapter: directory.get('P10001')!.adapter }
          : undefined,
    } as unknown as SupplierDirectory);
    expect(withoutTransfer.practice('P10001')).toEqual({ known: true, endpoint: undefined });

    const transferring = new FakeTransferSystem();
    const withTransfer = endpointsFromDirectory({
      get: (ods: string) =>
        ods === 'P10001' ? { config: directory.get('P10001')!.config, adapter: transferring } : undefined,
    } as unknown as SupplierDirectory);
    expect(withTransfer.get('P10001')).toBe(transferring);
  });

  it('takes tunables from config key gp2gp, which the config schema validates', () => {
    expect(configuredOptions(loadConfig({ env: {}, overrides: { gp2gp: { leaseTtlMs: 5000 } } }))).toEqual({
      leaseTtlMs: 5000,
    });
    expect(configuredOptions(loadConfig({ env: {} }))).toEqual({});
    expect(() => loadConfig({ env: {}, overrides: { gp2gp: { fragmentBytes: -1 } } })).toThrow(/gp2gp\.fragmentBytes/);
    expect(() => loadConfig({ env: {}, overrides: { gp2gp: { unknown: 3 } as never } })).toThrow(/gp2gp/);
  });
});
