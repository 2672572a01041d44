import type { KeyValueStore } from '@lloyd/store';
import type { TransferScheduler } from '../jobs/transfer-scheduler.js';
import { filesDueAt, type Transfer } from '../model/transfer.js';
import { TRANSFER_STATES, isTerminal, type TransferState } from '../model/transfer-state.js';
import { transferKeys } from '../store/transfer-keys.js';
import type { Transfers } from '../store/transfers.js';

/** States in which a transfer waits for a person, not for a job. */
const WAITING_FOR_PEOPLE: ReadonlySet<TransferState> = new Set(['awaiting-acceptance']);

/**
 * Re-enqueues the next step of open transfers that have not moved for `staleAfterMs`: the safety net for a job the
 * queue lost or gave up on (e.g. its workers were killed more often than the queue tolerates). Safe to run on every
 * worker at any time: a step that is in fact running elsewhere holds its lease, and a moot step does nothing.
 * A transfer still `requested` that never won its open-transfer claim (its start crashed between the two writes,
 * and a retried start made another) is discarded instead: running it would transfer the record twice. An ended
 * transfer whose files were due for deletion `staleAfterMs` ago has that deletion enqueued again.
 * Resolves the ids of the transfers resumed.
 */
export class ResumeStalledTransfers {
  constructor(
    private readonly transfers: Transfers,
    private readonly kv: KeyValueStore,
    private readonly scheduler: TransferScheduler,
    private readonly staleAfterMs: number,
    private readonly fileRetentionMs: number,
  ) {}

  async execute(): Promise<string[]> {
    const now = this.transfers.now().getTime();
    const resumed: string[] = [];
    for (const state of TRANSFER_STATES) {
      if (WAITING_FOR_PEOPLE.has(state)) continue;
      for (const t of await this.transfers.repository.list({ state }, 10_000)) {
        if (this.filesOverdue(t, now)) {
          await this.scheduler.removeFiles(t, { resume: String(Math.floor(now / this.staleAfterMs)) });
          resumed.push(t.id);
          continue;
        }
        const stuck = !isTerminal(t.state) || !t.settled;
        if (!stuck || now - Date.parse(t.updatedAt) < this.staleAfterMs) continue;
        if (await this.orphaned(t)) {
          await this.transfers.repository.discard(t);
          continue;
        }
        if (await this.scheduler.resume(t)) resumed.push(t.id);
      }
    }
    return resumed;
  }

  /**
   * An ended transfer whose files are still there `staleAfterMs` after they fell due: its deletion job was lost, or
   * it ended before Lloyd deleted files at all.
   */
  private filesOverdue(t: Transfer, now: number): boolean {
    const due = filesDueAt(t, this.fileRetentionMs);
    return due !== undefined && !t.filesRemovedAt && now - due >= this.staleAfterMs;
  }

  private async orphaned(t: Transfer): Promise<boolean> {
    return t.state === 'requested' && (await this.kv.get(transferKeys.open(t.nhsNumber))) !== t.id;
  }
}
