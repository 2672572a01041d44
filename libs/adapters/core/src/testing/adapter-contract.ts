/// <reference types="jest" />
// (The reference lets the CLI's build, which has no Jest types, compile this file it imports with the kit.)
/**
 * The supplier adapter conformance kit as a Jest suite: one `it` per {@link CONFORMANCE_CHECKS} entry that applies
 * to the fixture. A supplier can run it against its own adapter and a test instance of its system:
 *
 * ```ts
 * describeSupplierAdapterContract('my adapter', {
 *   createAdapter: () => new MyAdapter({ ods: 'A12345', baseUrl }),
 *   knownPatient: '9990000018',
 *   dissentedPatient: '9990000050',
 *   unknownPatient: '9990000115',
 *   nativeCodeSystems: [CODE_SYSTEMS.readv2],
 * });
 * ```
 *
 * The same checks run without Jest against a live system: `npm run conformance -- --adapter <name> --base-url <url>`.
 */
import type { SupplierAdapter } from '../supplier-adapter.js';
import { CONFORMANCE_CHECKS, type ConformanceFixture } from './conformance.js';

export interface SupplierAdapterContractOptions extends ConformanceFixture {
  /** Called in each test, after the caller's `beforeAll` hooks have started the system. */
  readonly createAdapter: () => SupplierAdapter;
}

export function describeSupplierAdapterContract(label: string, options: SupplierAdapterContractOptions): void {
  describe(`${label}: SupplierAdapter contract`, () => {
    for (const check of CONFORMANCE_CHECKS) {
      // A check the fixture gives no data for is left out, not skipped: skipped tests are not allowed.
      if (check.appliesTo && !check.appliesTo(options)) continue;
      it(check.name, () => check.run(options.createAdapter(), options));
    }
  });
}
