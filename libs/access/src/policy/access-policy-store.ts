import { Inject, Injectable, Logger, Optional, type OnModuleInit } from '@nestjs/common';
import {
  LLOYD_CONFIG,
  practiceSettingsSchema,
  sharingAgreementSchema,
  type LloydConfig,
  type PracticeSettings,
  type SharingAgreement,
} from '@lloyd/config';
import { OperationOutcomeError } from '@lloyd/fhir';
import { LOGGER } from '@lloyd/observability';
import { KeyValueStore } from '@lloyd/store';
import { z } from 'zod';
import type { PolicySnapshot } from '../checkers/policy-snapshot.js';
import { ACCESS_CLOCK, type AccessClock } from '../clock.js';
import { policyDrift, policyDriftWarning } from './config-drift.js';
import { checkAgreementInPolicy, parseAgreement, parsePracticeSettings } from './validate-policy.js';
import { londonDate } from './validity.js';

/** The document the policy is stored as: one key, so every change is one compare-and-set (no lost updates). */
interface StoredPolicy {
  version: number;
  agreements: SharingAgreement[];
  practices: PracticeSettings[];
}

/** One entry of the change history kept beside the policy (agreements are ended, never deleted). */
export interface PolicyChange {
  at: string;
  /** Who made the change: `client-id@ODS`. */
  by: string;
  action: 'create-agreement' | 'update-agreement' | 'end-agreement' | 'put-practice';
  /** The agreement or practice settings after the change. */
  value: SharingAgreement | PracticeSettings;
  /** The value before (updates and ends). */
  previous?: SharingAgreement | PracticeSettings;
}

export interface PolicyResult<T> {
  value: T;
  /** False when the request changed nothing (e.g. ending an agreement that has already ended). */
  changed: boolean;
  previous?: T;
}

/** The part of the app's pino logger (`LOGGER`) this store uses. */
interface WarningLogger {
  warn(fields: object, message: string): void;
}

const POLICY_KEY = 'access:policy';
const HISTORY_KEY = 'access:policy:history';
/** Reads on the hot path may be this stale; admin changes made on this replica are visible at once. */
const CACHE_MILLIS = 1000;
const MAX_ATTEMPTS = 20;

type Mutation<R> = (policy: StoredPolicy) => { next: StoredPolicy; result: R; change?: PolicyChange };

const storedPolicySchema = z.object({
  version: z.number().int().positive(),
  agreements: z.array(sharingAgreementSchema),
  practices: z.array(practiceSettingsSchema),
});

/**
 * Sharing agreements and practice settings at run time. Seeded from `config.access` on first start (set-if-absent,
 * so replicas starting together agree), then managed through the admin API; a start whose `config.access` differs
 * from what is stored keeps the stored policy and logs a warning naming the differences. Every change is validated
 * against the whole policy and written with compare-and-set, so concurrent admins on different replicas cannot both
 * create overlapping agreements. Reads are cached for about a second.
 */
@Injectable()
export class AccessPolicyStore implements OnModuleInit {
  private readonly clock: AccessClock;
  private cached?: { policy: StoredPolicy; at: number };
  private loading?: Promise<StoredPolicy>;

  constructor(
    @Inject(LLOYD_CONFIG) private readonly config: LloydConfig,
    private readonly store: KeyValueStore,
    @Optional() @Inject(ACCESS_CLOCK) clock?: AccessClock,
    @Optional() @Inject(LOGGER) private readonly logger?: WarningLogger,
  ) {
    this.clock = clock ?? Date.now;
  }

  async onModuleInit(): Promise<void> {
    const policy = await this.read();
    this.warnOfConfigDrift(policy);
  }

  /** An operator who edits `access` in the config and restarts must learn that the store, not the file, applies. */
  private warnOfConfigDrift(policy: StoredPolicy): void {
    const drift = policyDrift(policy, this.config.access);
    if (!drift) return;
    // The Redis store prefixes its keys (libs/store createStores); the in-process one does not.
    const key = this.config.store.redisUrl ? `${this.config.store.keyPrefix}kv:${POLICY_KEY}` : POLICY_KEY;
    const message = policyDriftWarning(drift, key);
    if (this.logger) this.logger.warn({ policyDrift: drift }, message);
    else new Logger(AccessPolicyStore.name).warn(message);
  }

  /** The rules in force, for the access chain (cached briefly). */
  async snapshot(): Promise<PolicySnapshot> {
    const policy = await this.cachedRead();
    return {
      practices: policy.practices,
      agreements: policy.agreements,
      organisationTypes: this.config.access.organisationTypes,
    };
  }

  async listAgreements(): Promise<SharingAgreement[]> {
    return structuredClone((await this.read()).agreements);
  }

  /** One agreement; 404 `NO_RECORD_FOUND` when there is none with this id. */
  async getAgreement(id: string): Promise<SharingAgreement> {
    const found = (await this.read()).agreements.find((a) => a.id === id);
    if (!found) throw agreementNotFound(id);
    return structuredClone(found);
  }

  async listPractices(): Promise<PracticeSettings[]> {
    return structuredClone((await this.read()).practices);
  }

  /** Creates an agreement from an admin request body. 422 when invalid, 409 when the id is taken. */
  async createAgreement(input: unknown, by: string): Promise<PolicyResult<SharingAgreement>> {
    const agreement = parseAgreement(input);
    return this.mutate((policy) => {
      if (policy.agreements.some((a) => a.id === agreement.id)) {
        throw OperationOutcomeError.of(
          'DUPLICATE_REJECTED',
          `An agreement with id ${agreement.id} already exists. Change it with PUT /admin/agreements/${agreement.id}, or choose another id.`,
          { expression: ['agreement.id'] },
        );
      }
      checkAgreementInPolicy(
        agreement,
        policy.agreements,
        this.knownPractices(policy),
        this.config.access.organisationTypes,
      );
      return {
        next: { ...policy, agreements: [...policy.agreements, agreement] },
        result: { value: agreement, changed: true },
        change: this.change(by, 'create-agreement', agreement),
      };
    });
  }

  /** Replaces an agreement (the body's id, if given, must match). 404 when absent, 422 when invalid. */
  async updateAgreement(id: string, input: unknown, by: string): Promise<PolicyResult<SharingAgreement>> {
    const body = input !== null && typeof input === 'object' && !Array.isArray(input) ? input : {};
    const agreement = parseAgreement({ id, ...body });
    if (agreement.id !== id) {
      throw OperationOutcomeError.of(
        'INVALID_RESOURCE',
        `agreement.id "${agreement.id}" does not match the agreement in the URL (${id}).`,
        { expression: ['agreement.id'] },
      );
    }
    return this.mutate((policy) => {
      const previous = policy.agreements.find((a) => a.id === id);
      if (!previous) throw agreementNotFound(id);
      checkAgreementInPolicy(
        agreement,
        policy.agreements,
        this.knownPractices(policy),
        this.config.access.organisationTypes,
      );
      return {
        next: { ...policy, agreements: policy.agreements.map((a) => (a.id === id ? agreement : a)) },
        result: { value: agreement, changed: true, previous },
        change: this.change(by, 'update-agreement', agreement, previous),
      };
    });
  }

  /**
   * Ends an agreement today: `validTo` becomes today (the first day it no longer applies), so access stops at once.
   * The agreement is kept for the record. Ending one that has already ended changes nothing.
   */
  async endAgreement(id: string, by: string): Promise<PolicyResult<SharingAgreement>> {
    return this.mutate<PolicyResult<SharingAgreement>>((policy) => {
      const previous = policy.agreements.find((a) => a.id === id);
      if (!previous) throw agreementNotFound(id);
      const today = londonDate(new Date(this.clock()));
      if (previous.validTo !== undefined && previous.validTo <= today) {
        return { next: policy, result: { value: previous, changed: false, previous } };
      }
      // An agreement that has not started yet ends before it ever applies (validTo = validFrom: an empty period).
      const ended: SharingAgreement = { ...previous, validTo: previous.validFrom > today ? previous.validFrom : today };
      return {
        next: { ...policy, agreements: policy.agreements.map((a) => (a.id === id ? ended : a)) },
        result: { value: ended, changed: true, previous },
        change: this.change(by, 'end-agreement', ended, previous),
      };
    });
  }

  /**
   * Creates or replaces a practice's settings. The practice must be known: a configured supplier, or already in the
   * practice settings.
   */
  async putPractice(
    ods: string,
    input: unknown,
    by: string,
  ): Promise<PolicyResult<PracticeSettings> & { created: boolean }> {
    const practice = parsePracticeSettings(ods, input);
    return this.mutate((policy) => {
      const previous = policy.practices.find((p) => p.ods === ods);
      if (!previous && !this.config.suppliers.some((s) => s.ods === ods)) {
        throw OperationOutcomeError.of(
          'INVALID_RESOURCE',
          `practice.ods: practice ${ods} is unknown to Lloyd: it is not a configured supplier (config suppliers) and has no settings yet. ` +
            'Configure its supplier system first, or correct the ODS code.',
          { expression: ['practice.ods'] },
        );
      }
      const practices = previous
        ? policy.practices.map((p) => (p.ods === ods ? practice : p))
        : [...policy.practices, practice];
      return {
        next: { ...policy, practices },
        result: { value: practice, changed: true, created: !previous, ...(previous ? { previous } : {}) },
        change: this.change(by, 'put-practice', practice, previous),
      };
    });
  }

  /** The change history, oldest first. */
  async history(): Promise<PolicyChange[]> {
    const items = await this.store.range(HISTORY_KEY, 0, -1);
    return items.map((item) => JSON.parse(item) as PolicyChange);
  }

  private knownPractices(policy: StoredPolicy): Set<string> {
    return new Set([...this.config.suppliers.map((s) => s.ods), ...policy.practices.map((p) => p.ods)]);
  }

  private change(
    by: string,
    action: PolicyChange['action'],
    value: PolicyChange['value'],
    previous?: PolicyChange['previous'],
  ): PolicyChange {
    return { at: new Date(this.clock()).toISOString(), by, action, value, ...(previous ? { previous } : {}) };
  }

  private async mutate<R extends { changed: boolean }>(mutation: Mutation<R>): Promise<R> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const raw = await this.rawPolicy();
      const current = parseStored(raw);
      const { next, result, change } = mutation(current);
      if (!result.changed) return result;
      const written: StoredPolicy = { ...next, version: current.version + 1 };
      if (await this.store.compareAndSet(POLICY_KEY, raw, JSON.stringify(written))) {
        this.cached = { policy: written, at: this.clock() };
        if (change) await this.store.append(HISTORY_KEY, JSON.stringify(change));
        return result;
      }
    }
    throw OperationOutcomeError.of(
      'SERVICE_UNAVAILABLE',
      'The sharing policy is being changed by someone else at the same moment. Try again.',
    );
  }

  private async cachedRead(): Promise<StoredPolicy> {
    if (this.cached && this.clock() - this.cached.at < CACHE_MILLIS) return this.cached.policy;
    this.loading ??= this.read().finally(() => (this.loading = undefined));
    return this.loading;
  }

  private async read(): Promise<StoredPolicy> {
    const policy = parseStored(await this.rawPolicy());
    this.cached = { policy, at: this.clock() };
    return policy;
  }

  /** The stored document; written from config first when absent (the first replica to start wins). */
  private async rawPolicy(): Promise<string> {
    const existing = await this.store.get(POLICY_KEY);
    if (existing !== null) return existing;
    const seed: StoredPolicy = {
      version: 1,
      agreements: this.config.access.agreements,
      practices: this.config.access.practices,
    };
    await this.store.setIfAbsent(POLICY_KEY, JSON.stringify(seed));
    const stored = await this.store.get(POLICY_KEY);
    if (stored === null) throw new Error(`The sharing policy vanished from the store (${POLICY_KEY}) while seeding it`);
    return stored;
  }
}

/** The stored policy is checked on every (cached) read: a hand-edited or corrupted store must not widen access. */
function parseStored(raw: string): StoredPolicy {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    json = undefined;
  }
  const parsed = storedPolicySchema.safeParse(json);
  if (!parsed.success) {
    const where = parsed.error.issues.map((i) => i.path.join('.') || '(root)').join(', ');
    throw new Error(
      `The sharing policy in the store (${POLICY_KEY}) is malformed at ${where}; restore it from a backup, or delete the key to reseed it from config.`,
    );
  }
  return parsed.data;
}

function agreementNotFound(id: string): OperationOutcomeError {
  return OperationOutcomeError.of(
    'NO_RECORD_FOUND',
    `There is no sharing agreement with id ${id}. List them with GET /admin/agreements.`,
  );
}
