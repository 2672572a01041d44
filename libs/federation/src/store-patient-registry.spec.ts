import { InMemoryKeyValueStore } from '@lloyd/store';
import { ConfigPatientRegistry } from './patient-registry.js';
import { StorePatientRegistry } from './store-patient-registry.js';

describe('StorePatientRegistry', () => {
  it('routes a patient to the practice of a recorded GP2GP move, before the configured registry', async () => {
    const kv = new InMemoryKeyValueStore();
    const configured = new ConfigPatientRegistry({ registry: { patients: { '9990000093': 'P30003' } } });
    const registry = new StorePatientRegistry(configured, kv);
    expect(await registry.practiceFor('9990000093')).toBe('P30003');
    await registry.recordMove('9990000093', 'P10001');
    expect(await registry.practiceFor('9990000093')).toBe('P10001');
    // Another replica over the same store sees the move too.
    expect(await new StorePatientRegistry(configured, kv).practiceFor('9990000093')).toBe('P10001');
    expect(await registry.practiceFor('9990000018')).toBeNull();
  });
});
