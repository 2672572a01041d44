import type { VerifiedToken } from '@lloyd/auth';
import { agreement, tokenFor } from '../testing/fixtures.js';
import { EmergencyAccessChecker, type EmergencyGrant } from './emergency-access.checker.js';

describe('EmergencyAccessChecker', () => {
  it.each<[string, Partial<VerifiedToken>, boolean, EmergencyGrant]>([
    [
      'emergency with reason, agreement allows',
      { reason: 'emergency', reasonText: 'cardiac arrest' },
      true,
      { emergency: true, requested: true, reason: 'cardiac arrest' },
    ],
    [
      'emergency with reason, agreement forbids',
      { reason: 'emergency', reasonText: 'cardiac arrest' },
      false,
      { emergency: false, requested: true, reason: 'cardiac arrest' },
    ],
    ['emergency without reason text', { reason: 'emergency' }, true, { emergency: false, requested: true }],
    [
      'emergency with a blank reason text',
      { reason: 'emergency', reasonText: '   ' },
      true,
      { emergency: false, requested: true },
    ],
    ['direct care', { reason: 'directcare' }, true, { emergency: false, requested: false }],
    ['no reason at all', { reason: undefined }, true, { emergency: false, requested: false }],
  ])('%s', (_name, token, allowed, expected) => {
    const result = new EmergencyAccessChecker().check({
      token: tokenFor('hospital-epr', token),
      agreement: agreement({ emergencyAccess: allowed }),
    });
    expect(result).toEqual({ allowed: true, grant: expected });
  });
});
