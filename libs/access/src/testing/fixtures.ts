// Fixtures for libs/access specs: the shipped demo configuration, dev-client tokens and a movable clock.
import type { VerifiedToken } from '@lloyd/auth';
import { loadConfig, type LloydConfig, type PracticeSettings, type SharingAgreement } from '@lloyd/config';
import { MetricsService } from '@lloyd/observability';
import { InMemoryKeyValueStore, type KeyValueStore } from '@lloyd/store';
import { AccessChain } from '../access-chain.js';
import type { PatientFlags } from '../access-decision.js';
import { AuditTrail } from '../audit/audit-trail.js';
import type { PolicySnapshot } from '../checkers/policy-snapshot.js';
import { AccessPolicyStore } from '../policy/access-policy-store.js';

/** 2026-03-02T10:00:00Z: inside the demo agreements' validity, on an ordinary weekday. */
export const NOW = new Date('2026-03-02T10:00:00Z');

export const DEV_ORGANISATIONS = { 'hospital-epr': 'RX1', 'social-care': 'SC100', 'no-agreement': 'RZZ' } as const;
export type PatientClient = keyof typeof DEV_ORGANISATIONS;

export function demoConfig(): LloydConfig {
  return loadConfig({ env: {} });
}

/** A verified token as the dev client would present it (direct care, with a practitioner). */
export function tokenFor(
  client: PatientClient | 'auditor' | 'admin',
  overrides: Partial<VerifiedToken> = {},
): VerifiedToken {
  const organisation = client === 'auditor' || client === 'admin' ? 'X26' : DEV_ORGANISATIONS[client];
  return {
    issuer: 'urn:lloyd:embedded-issuer',
    subject: client,
    clientId: client,
    organisation,
    practitioner: 'G1234567',
    reason: 'directcare',
    scopes: ['system/*.rs'],
    jti: `jti-${client}`,
    expiresAt: NOW.getTime() + 300_000,
    claims: {},
    ...overrides,
  };
}

export function emergencyToken(
  client: PatientClient,
  reasonText = 'Unconscious in A&E, allergy history needed',
): VerifiedToken {
  return tokenFor(client, { reason: 'emergency', reasonText });
}

export const ORDINARY_PATIENT: PatientFlags = Object.freeze({
  dissent: false,
  sensitive: false,
  deceased: false,
  active: true,
});

export function flags(overrides: Partial<PatientFlags>): PatientFlags {
  return { ...ORDINARY_PATIENT, ...overrides };
}

/** A clock tests can move; starts at {@link NOW}. */
export class TestClock {
  constructor(public millis = NOW.getTime()) {}
  readonly now = (): number => this.millis;
  advance(ms: number): void {
    this.millis += ms;
  }
}

export function metrics(): MetricsService {
  return new MetricsService({ defaultMetrics: false });
}

export interface AccessFixture {
  config: LloydConfig;
  store: KeyValueStore;
  clock: TestClock;
  metrics: MetricsService;
  policy: AccessPolicyStore;
  chain: AccessChain;
  audit: AuditTrail;
}

/** The real access services over an in-memory store and the demo configuration (or a variant of it). */
export function accessFixture(
  config: LloydConfig = demoConfig(),
  store: KeyValueStore = new InMemoryKeyValueStore(),
): AccessFixture {
  const clock = new TestClock();
  const m = metrics();
  const policy = new AccessPolicyStore(config, store, clock.now);
  return {
    config,
    store,
    clock,
    metrics: m,
    policy,
    chain: new AccessChain(policy, m),
    audit: new AuditTrail(store, m, clock.now),
  };
}

/** The configuration with its access section replaced (practices, agreements, organisation types). */
export function withAccess(
  config: LloydConfig,
  access: {
    practices?: PracticeSettings[];
    agreements?: SharingAgreement[];
    organisationTypes?: Record<string, string>;
  },
): LloydConfig {
  return { ...config, access: { ...config.access, ...access } };
}

export function agreement(overrides: Partial<SharingAgreement> = {}): SharingAgreement {
  return {
    id: 'test-agreement',
    description: '',
    dataControllers: ['P10001'],
    consumer: { ods: 'RX1' },
    sections: ['allergies', 'medications'],
    validFrom: '2024-01-01',
    emergencyAccess: false,
    ...overrides,
  };
}

export function practice(overrides: Partial<PracticeSettings> = {}): PracticeSettings {
  return { ods: 'P10001', enabled: true, disabledSections: [], autoIntegrate: false, ...overrides };
}

export function snapshot(overrides: Partial<PolicySnapshot> = {}): PolicySnapshot {
  return { practices: [practice()], agreements: [agreement()], organisationTypes: {}, ...overrides };
}

/** Current value of a counter with the given labels in the service's registry (0 when never incremented). */
export async function counterValue(m: MetricsService, name: string, labels: Record<string, string>): Promise<number> {
  const metric = m.registry.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  const found = values.find((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val));
  return found?.value ?? 0;
}

/** Demo config with small rate limits: 3 requests per minute, SC100 1 per minute. */
export function limitedConfig(): LloydConfig {
  const config = demoConfig();
  return {
    ...config,
    access: { ...config.access, rateLimits: { windowSeconds: 60, defaultLimit: 3, perOrganisation: { SC100: 1 } } },
  };
}
