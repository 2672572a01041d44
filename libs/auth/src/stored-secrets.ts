import type { OnModuleDestroy } from '@nestjs/common';
import type { AppLogger, MetricsService } from '@lloyd/observability';
import type { KeyValueStore } from '@lloyd/store';
import type { Counter } from 'prom-client';

/**
 * Injection token: how often (ms) each kept secret is compared with the store's copy; 0 never. Unset, the gateway
 * checks every {@link STORED_SECRET_CHECK_DEFAULT_MS} on Redis and never on the in-process store (see AuthModule).
 */
export const STORED_SECRET_CHECK_MS = Symbol('STORED_SECRET_CHECK_MS');

export const STORED_SECRET_CHECK_DEFAULT_MS = 15_000;

/** A secret re-read on demand (an unknown kid) at most this often, so made-up tokens cannot flood the store. */
const ON_DEMAND_COOLDOWN_MS = 1_000;

/** What to keep in the store and how to use it. */
export interface StoredSecretSpec<T> {
  /** The store key. */
  key: string;
  /** The metric label, e.g. `signing-key`. */
  label: string;
  /** For the log: what the secret is ("the embedded issuer's signing key") … */
  description: string;
  /** … and what adopting another one breaks ("tokens it issued before are no longer valid"). */
  consequence: string;
  /** A new secret's stored text; only the first replica's is kept. */
  create(): string | Promise<string>;
  /** The usable secret from its stored text; throws when the text is unusable. */
  parse(text: string): T | Promise<T>;
  /** Called after the store's copy changed and {@link KeptSecret.value} became the new one. */
  onChange?(value: T): void;
}

/** A secret kept in the store, as this process uses it. */
export interface KeptSecret<T> {
  /** The secret in use: the store's copy when it was last read. Reading it costs nothing. */
  readonly value: T;
  /**
   * Re-reads the store's copy now (for a token whose key is unknown here: another replica may have replaced the
   * secret). Does nothing when checks are off or one ran under a second ago. True when the secret changed.
   */
  recheck(): Promise<boolean>;
}

export interface StoredSecretsOptions {
  /** See {@link STORED_SECRET_CHECK_MS}; 0 (the default) never re-reads the store. */
  checkIntervalMs?: number;
  metrics?: MetricsService;
  logger?: AppLogger;
  clock?: () => number;
}

interface Entry {
  spec: StoredSecretSpec<unknown>;
  text: string;
  value: unknown;
  checkedAt: number;
  checking?: Promise<boolean> | undefined;
  /** The last unusable text found in the store, so that it is logged once, not at every check. */
  refused?: string;
}

type Outcome = 'adopted' | 'restored' | 'unusable';

/**
 * Secrets that every replica sharing a store must agree on (the embedded issuer's signing key, the resource id and
 * paging keys), kept in the {@link KeyValueStore}: made by whichever replica asks first, and read into memory.
 *
 * A shared store can lose its data under running replicas (emptied, or replaced by an empty one), after which a
 * restarted replica makes a new secret while the others keep the old one. So each secret is compared with the store's
 * copy every `checkIntervalMs` (and on demand, {@link KeptSecret.recheck}): when the store's copy is gone this
 * process writes its own back, if absent (the first writer wins); when it differs, this process adopts it, logs a
 * warning and counts it in `lloyd_stored_secret_changes_total`. The replicas so converge without restarts.
 */
export class StoredSecrets implements OnModuleDestroy {
  private readonly entries: Entry[] = [];
  private readonly intervalMs: number;
  private readonly clock: () => number;
  private readonly changes: Counter<'secret' | 'outcome'> | undefined;
  private timer?: NodeJS.Timeout;
  private ticking = false;
  private closed = false;

  constructor(
    private readonly store: KeyValueStore,
    private readonly options: StoredSecretsOptions = {},
  ) {
    this.intervalMs = options.checkIntervalMs ?? 0;
    this.clock = options.clock ?? Date.now;
    // Registered up front, so that the metric is listed (for alert rules) before anything changes.
    this.changes = options.metrics?.counter(
      'lloyd_stored_secret_changes_total',
      'Secrets shared through the store (signing-key, id-key, paging-key) found changed there, by outcome: ' +
        'adopted (another replica replaced it), restored (missing: written back), unusable (kept the old one).',
      ['secret', 'outcome'],
    );
  }

  /** Reads the secret from the store, creating it there first when absent, and keeps it up to date. */
  async keep<T>(spec: StoredSecretSpec<T>): Promise<KeptSecret<T>> {
    let text = await this.store.get(spec.key);
    if (text === null) {
      await this.store.setIfAbsent(spec.key, await spec.create());
      text = await this.store.get(spec.key);
      if (text === null) throw new Error(`${spec.description} could not be kept in the store (${spec.key})`);
    }
    const entry: Entry = {
      spec,
      text,
      value: await spec.parse(text),
      checkedAt: this.clock(),
    };
    this.entries.push(entry);
    this.startTimer();
    return {
      get value() {
        return entry.value as T;
      },
      recheck: () => this.recheck(entry),
    };
  }

  /** Compares every kept secret with the store's copy now. */
  async checkAll(): Promise<void> {
    for (const entry of this.entries) await this.check(entry);
  }

  onModuleDestroy(): void {
    this.closed = true;
    clearInterval(this.timer);
  }

  private startTimer(): void {
    if (this.timer || this.intervalMs <= 0 || this.closed) return;
    this.timer = setInterval(() => {
      if (this.ticking) return;
      this.ticking = true;
      void this.checkAll().finally(() => (this.ticking = false));
    }, this.intervalMs);
    // The check must never keep a process alive that has nothing else to do.
    this.timer.unref();
  }

  private recheck(entry: Entry): Promise<boolean> {
    if (this.intervalMs <= 0 || this.closed) return Promise.resolve(false);
    if (entry.checking) return entry.checking;
    if (this.clock() - entry.checkedAt < ON_DEMAND_COOLDOWN_MS) return Promise.resolve(false);
    return this.check(entry);
  }

  /** One comparison at a time per secret; never rejects (a store that does not answer is reported elsewhere). */
  private check(entry: Entry): Promise<boolean> {
    entry.checking ??= this.compare(entry)
      .catch((err: unknown) => {
        this.options.logger?.debug({ err, storeKey: entry.spec.key }, 'stored secret could not be checked');
        return false;
      })
      .finally(() => {
        entry.checkedAt = this.clock();
        entry.checking = undefined;
      });
    return entry.checking;
  }

  private async compare(entry: Entry): Promise<boolean> {
    const { spec } = entry;
    let stored = await this.store.get(spec.key);
    if (stored === null && !this.closed) {
      if (await this.store.setIfAbsent(spec.key, entry.text)) {
        this.report(
          entry,
          'restored',
          "was missing from the store (emptied or replaced): wrote this replica's copy back",
        );
        return false;
      }
      stored = await this.store.get(spec.key);
    }
    if (stored === null || stored === entry.text || this.closed) return false;
    let value: unknown;
    try {
      value = await spec.parse(stored);
    } catch (err) {
      if (entry.refused !== stored) {
        entry.refused = stored;
        this.report(entry, 'unusable', 'in the store changed to something unusable: keeping the one in use', err);
      }
      return false;
    }
    entry.text = stored;
    entry.value = value;
    entry.refused = undefined;
    spec.onChange?.(value);
    this.report(entry, 'adopted', `in the store changed: adopting it; ${spec.consequence}`);
    return true;
  }

  private report(entry: Entry, outcome: Outcome, what: string, err?: unknown): void {
    const { spec } = entry;
    this.changes?.inc({ secret: spec.label, outcome });
    const fields = { secret: spec.label, storeKey: spec.key, ...(err === undefined ? {} : { err }) };
    const message = `${spec.description} ${what}`;
    if (outcome === 'unusable') this.options.logger?.error(fields, message);
    else this.options.logger?.warn(fields, message);
  }
}
