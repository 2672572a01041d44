import { isDeepStrictEqual } from 'node:util';
import type { PracticeSettings, SharingAgreement } from '@lloyd/config';

/** How one list of the stored policy differs from the configuration's, by ODS code or agreement id. */
export interface ListDrift {
  onlyInConfig: string[];
  onlyInStore: string[];
  /** In both, with other settings. */
  changed: string[];
}

/** How the stored policy differs from the configuration's `access` block; see {@link policyDrift}. */
export interface PolicyDrift {
  practices: ListDrift;
  agreements: ListDrift;
}

interface PolicyLists {
  practices: readonly PracticeSettings[];
  agreements: readonly SharingAgreement[];
}

// Stored values went through JSON; compare the configuration's as they would be stored.
const asStored = (value: unknown): unknown => JSON.parse(JSON.stringify(value)) as unknown;

function listDrift<T>(stored: readonly T[], configured: readonly T[], key: (item: T) => string): ListDrift {
  const inStore = new Map(stored.map((item) => [key(item), asStored(item)]));
  const inConfig = new Map(configured.map((item) => [key(item), asStored(item)]));
  return {
    onlyInConfig: [...inConfig.keys()].filter((k) => !inStore.has(k)),
    onlyInStore: [...inStore.keys()].filter((k) => !inConfig.has(k)),
    changed: [...inConfig.keys()].filter((k) => inStore.has(k) && !isDeepStrictEqual(inStore.get(k), inConfig.get(k))),
  };
}

const isEmpty = (d: ListDrift) => d.onlyInConfig.length + d.onlyInStore.length + d.changed.length === 0;

/** Which practices and agreements differ between the stored policy and the configuration; undefined when none do. */
export function policyDrift(stored: PolicyLists, configured: PolicyLists): PolicyDrift | undefined {
  const drift: PolicyDrift = {
    practices: listDrift(stored.practices, configured.practices, (p) => p.ods),
    agreements: listDrift(stored.agreements, configured.agreements, (a) => a.id),
  };
  return isEmpty(drift.practices) && isEmpty(drift.agreements) ? undefined : drift;
}

function describeList(name: 'practices' | 'agreements', drift: ListDrift): string[] {
  const parts: [string, string[]][] = [
    [`${name} only in the configuration`, drift.onlyInConfig],
    [`${name} only in the store`, drift.onlyInStore],
    [`${name} set differently`, drift.changed],
  ];
  return parts.filter(([, ids]) => ids.length > 0).map(([what, ids]) => `${what}: ${ids.join(', ')}`);
}

/** The start-up warning for {@link policyDrift}: what differs, which one applies, and how to change or reset it. */
export function policyDriftWarning(drift: PolicyDrift, storeKey: string): string {
  const differences = [...describeList('practices', drift.practices), ...describeList('agreements', drift.agreements)];
  return (
    `The sharing policy in the store differs from the access block of the configuration (${differences.join('; ')}). ` +
    'access.practices and access.agreements only seed an empty store: after the first start the store is the source ' +
    'of truth, so the configuration is not applied and Lloyd uses the stored policy. Make changes with the admin API ' +
    '(PUT /admin/practices/{ods}, POST /admin/agreements, PUT /admin/agreements/{id}, POST /admin/agreements/{id}/$end); ' +
    'this warning stops once the access block matches GET /admin/practices and GET /admin/agreements. ' +
    `To start again from the configuration instead, stop every Lloyd process, delete the store key ${storeKey} and start ` +
    'Lloyd (the change history is kept).'
  );
}
