import { randomUUID } from 'node:crypto';
import {
  SupplierProtocolError,
  SupplierTimeoutError,
  SupplierUnavailableError,
  type SupplierAdapter,
  type SupplierCallContext,
} from '@lloyd/adapters-core';
import { outcomes } from '@lloyd/fhir';
import type { SupplierDirectory } from './supplier-directory.js';

/**
 * Calls a practice's supplier system through its adapter with a deadline, and turns supplier failures into the
 * gateway's answers: 502 when the system cannot be reached or answers nonsense, 504 when it is too slow.
 */
export class SupplierCaller {
  constructor(private readonly directory: SupplierDirectory) {}

  async call<T>(
    ods: string,
    fn: (adapter: SupplierAdapter, ctx: SupplierCallContext) => Promise<T>,
    correlationId: string = randomUUID(),
  ): Promise<T> {
    const endpoint = this.directory.get(ods);
    if (!endpoint) throw outcomes.badGateway(ods);
    const signal = AbortSignal.timeout(endpoint.config.timeoutMs);
    try {
      return await fn(endpoint.adapter, { signal, correlationId });
    } catch (err) {
      if (err instanceof SupplierTimeoutError) throw outcomes.gatewayTimeout(ods);
      if (err instanceof SupplierUnavailableError || err instanceof SupplierProtocolError) throw outcomes.badGateway(ods);
      throw err;
    }
  }
}
