import type { TransferEvents } from '../events/transfer-events.js';
import type { TransferMetrics } from '../metrics/transfer-metrics.js';
import type { Transfer } from '../model/transfer.js';
import type { Gp2gpClock } from '../options.js';
import type { TransferMutation, TransferRepository, UpdateResult } from './transfer-repository.js';

/**
 * The transfers as the use cases see them: the repository, plus progress events and metrics for every change that
 * was actually written, and the injected clock.
 */
export class Transfers {
  constructor(
    readonly repository: TransferRepository,
    private readonly events: TransferEvents,
    private readonly metrics: TransferMetrics,
    private readonly clock: Gp2gpClock,
  ) {}

  now(): Date {
    return new Date(this.clock());
  }

  get(id: string): Promise<Transfer | null> {
    return this.repository.get(id);
  }

  /** Stores a new transfer (not yet announced: see {@link announce}). */
  create(transfer: Transfer): Promise<boolean> {
    return this.repository.create(transfer);
  }

  /** Counts and publishes a new transfer once it is certain to exist (it won its claim). */
  announce(transfer: Transfer): void {
    this.written(null, transfer);
  }

  /** See {@link TransferRepository.update}; the mutation receives the current time. */
  async update(id: string, mutation: (current: Transfer, now: Date) => Transfer | null): Promise<UpdateResult | null> {
    let previous: Transfer | null = null;
    const apply: TransferMutation = (current) => {
      previous = current;
      return mutation(current, this.now());
    };
    const result = await this.repository.update(id, apply);
    if (result?.changed) this.written(previous, result.transfer);
    return result;
  }

  private written(previous: Transfer | null, next: Transfer): void {
    this.metrics.changed(previous, next, this.clock());
    this.events.publish(next);
  }
}
