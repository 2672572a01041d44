import { randomUUID } from 'node:crypto';
import { type KeyValueStore } from '@lloyd/store';
import { transferKeys } from './transfer-keys.js';

/** A step of one transfer is being run by another worker whose lease has not expired: try again later. */
export class StepBusyError extends Error {
  override readonly name = 'StepBusyError';

  constructor(
    readonly transferId: string,
    readonly step: string,
  ) {
    super(`Step ${step} of GP2GP transfer ${transferId} is running in another worker; it will be retried.`);
  }
}

/** A held lease. Renewed in the background until released. */
export interface Lease {
  readonly owner: string;
  /** Releases the lease (only if still ours) and stops renewing. */
  release(): Promise<void>;
}

/**
 * Exclusive, expiring claims on a step of a transfer, so that two workers never run the same side effects (calling
 * a supplier system, writing blobs) at once. A lease lives `ttlMs` and is renewed every third of that while the step
 * runs; a worker that dies (SIGKILL) stops renewing and the lease lapses, so another worker can take the step over
 * once the queue redelivers it.
 */
export class StepLeases {
  constructor(
    private readonly kv: KeyValueStore,
    private readonly ttlMs: number,
  ) {}

  /** Takes the lease, or resolves null when another live worker holds it. */
  async acquire(transferId: string, step: string): Promise<Lease | null> {
    const key = transferKeys.lease(transferId, step);
    const owner = randomUUID();
    const ttlSeconds = this.ttlMs / 1000;
    if (!(await this.kv.setIfAbsent(key, owner, { ttlSeconds }))) return null;
    let released = false;
    const timer = setInterval(
      () => {
        // A lost renewal means the lease lapsed and may be someone else's now: stop renewing. The step's final
        // compare-and-set still decides whether its result counts.
        this.kv.compareAndSet(key, owner, owner, { ttlSeconds }).then(
          (ok) => {
            if (!ok) clearInterval(timer);
          },
          () => undefined,
        );
      },
      Math.max(10, Math.floor(this.ttlMs / 3)),
    );
    timer.unref();
    return {
      owner,
      release: async () => {
        if (released) return;
        released = true;
        clearInterval(timer);
        if ((await this.kv.get(key)) === owner) await this.kv.delete(key);
      },
    };
  }
}
