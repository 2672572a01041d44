import { ConfigError, loadConfig, type SharingAgreement } from '@lloyd/config';
import { InMemoryKeyValueStore } from '@lloyd/store';
import { demoConfig, TestClock, withAccess } from '../testing/fixtures.js';
import { AccessPolicyStore } from './access-policy-store.js';

/** An agreement for P10001 and RX1 (an acute trust in the demo organisationTypes), allergies, from 2026-01-01. */
function agreement(id: string, overrides: Partial<SharingAgreement> = {}): SharingAgreement {
  return {
    id,
    description: '',
    dataControllers: ['P10001'],
    consumer: { ods: 'RX1' },
    sections: ['allergies'],
    validFrom: '2026-01-01',
    emergencyAccess: false,
    ...overrides,
  };
}

/** Whether the admin API accepts `second` into a policy holding `first` alone. */
async function adminAccepts(first: SharingAgreement, second: SharingAgreement): Promise<boolean> {
  const policy = new AccessPolicyStore(
    withAccess(demoConfig(), { agreements: [first] }),
    new InMemoryKeyValueStore(),
    new TestClock().now,
  );
  await policy.onModuleInit();
  return policy.createAgreement(second, 'admin@X26').then(
    () => true,
    () => false,
  );
}

/** Whether start-up accepts a configuration whose agreements are `first` and `second`. */
function configAccepts(first: SharingAgreement, second: SharingAgreement): boolean {
  try {
    loadConfig({ env: {}, overrides: { access: { agreements: [first, second] } } });
    return true;
  } catch (err) {
    if (err instanceof ConfigError) return false;
    throw err;
  }
}

describe('the configuration and the admin API keep the same policy rules', () => {
  it.each<[string, SharingAgreement, boolean]>([
    [
      'a type that covers the named organisation',
      agreement('a2', { consumer: { organisationType: 'acute-trust' } }),
      false,
    ],
    ['the same organisation on some of the same days', agreement('a2', { validFrom: '2026-06-30' }), false],
    ['another organisation of the same type', agreement('a2', { consumer: { ods: 'RZZ' } }), true],
    ['a type that does not cover it', agreement('a2', { consumer: { organisationType: 'social-care' } }), true],
    ['another data controller', agreement('a2', { dataControllers: ['P20002'] }), true],
    ['a successor from the day the first stops', agreement('a2', { validFrom: '2026-07-01' }), true],
    ['an empty period', agreement('a2', { validFrom: '2026-03-01', validTo: '2026-03-01' }), true],
    ['a data controller with no supplier system', agreement('a2', { dataControllers: ['P77777'] }), false],
    ['a date that is not a calendar date', agreement('a2', { validFrom: '2026-13-01' }), false],
  ])('next to a1 (RX1, until 2026-07-01): %s', async (_name, second, accepted) => {
    const first = agreement('a1', { validTo: '2026-07-01' });
    expect([await adminAccepts(first, second), configAccepts(first, second)]).toEqual([accepted, accepted]);
  });
});
