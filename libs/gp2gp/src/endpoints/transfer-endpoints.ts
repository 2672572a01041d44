import type { TransferEndpoint } from '@lloyd/adapters-core';

/** What Lloyd knows about a practice for GP2GP. */
export type PracticeLookup = { known: false } | { known: true; endpoint: TransferEndpoint | undefined };

/**
 * The GP2GP side of each configured practice's supplier system: the {@link TransferEndpoint} its adapter
 * implements. A practice Lloyd knows whose adapter cannot transfer records yet has no endpoint (GP2GP reason 07).
 */
export class TransferEndpoints {
  constructor(private readonly lookup: (ods: string) => PracticeLookup) {}

  /** From a fixed table (tests, benchmarks). */
  static of(table: Readonly<Record<string, TransferEndpoint>>): TransferEndpoints {
    return new TransferEndpoints((ods) => {
      const endpoint = table[ods];
      return endpoint ? { known: true, endpoint } : { known: false };
    });
  }

  practice(ods: string): PracticeLookup {
    return this.lookup(ods);
  }

  /** The endpoint, or undefined when the practice is unknown or cannot transfer. */
  get(ods: string): TransferEndpoint | undefined {
    const found = this.lookup(ods);
    return found.known ? found.endpoint : undefined;
  }
}
