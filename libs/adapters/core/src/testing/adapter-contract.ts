/**
 * The supplier adapter conformance kit: one suite every {@link SupplierAdapter} implementation must pass. A
 * supplier can run it against its own adapter and a test instance of its system:
 *
 * ```ts
 * describeSupplierAdapterContract('my adapter', {
 *   createAdapter: () => new MyAdapter({ ods: 'A12345', baseUrl }),
 *   knownPatient: '9990000018',
 *   dissentedPatient: '9990000050',
 *   unknownPatient: '9990000115',
 * });
 * ```
 */
import { isValidNhsNumber, NHS_NUMBER_SYSTEM } from '@lloyd/fhir';
import { SupplierTimeoutError } from '../errors.js';
import type { SupplierAdapter, SupplierCallContext } from '../supplier-adapter.js';
import { assertValidR4 } from './validate-r4.js';

export interface SupplierAdapterContractOptions {
  /** Called in each test, after the caller's `beforeAll` hooks have started the system. */
  readonly createAdapter: () => SupplierAdapter;
  /** An NHS number the system knows (not dissented). */
  readonly knownPatient: string;
  /** An NHS number of a patient who has dissented; the dissent checks run only when given. */
  readonly dissentedPatient?: string;
  /** A valid NHS number the system does not know. */
  readonly unknownPatient: string;
}

const FHIR_DATE = /^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$/;
const GENDERS = ['male', 'female', 'other', 'unknown'];

function context(signal: AbortSignal = new AbortController().signal): SupplierCallContext {
  return { signal, correlationId: 'adapter-contract' };
}

export function describeSupplierAdapterContract(label: string, options: SupplierAdapterContractOptions): void {
  describe(`${label}: SupplierAdapter contract`, () => {
    it('names its format', () => {
      expect(options.createAdapter().format).toMatch(/^[a-z0-9-]+$/);
    });

    it('finds a known patient, identified by the NHS number it was asked for', async () => {
      const found = await options.createAdapter().findPatient(options.knownPatient, context());
      expect(found).not.toBeNull();
      const patient = found?.patient;
      expect(patient?.resourceType).toBe('Patient');
      const nhs = patient?.identifier?.filter((i) => i.system === NHS_NUMBER_SYSTEM) ?? [];
      expect(nhs.map((i) => i.value)).toEqual([options.knownPatient]);
      expect(isValidNhsNumber(nhs[0]?.value ?? '')).toBe(true);
      expect(patient?.name?.[0]?.family ?? patient?.name?.[0]?.text).toBeTruthy();
      expect(GENDERS).toContain(patient?.gender);
      expect(patient?.birthDate).toMatch(FHIR_DATE);
      expect(typeof found?.sourceId).toBe('string');
      expect(found?.sourceId.length).toBeGreaterThan(0);
      expect(found?.flags).toEqual({
        dissent: false,
        sensitive: expect.any(Boolean) as unknown,
        deceased: expect.any(Boolean) as unknown,
        active: expect.any(Boolean) as unknown,
      });
    });

    it('returns a Patient that is valid FHIR R4', async () => {
      const found = await options.createAdapter().findPatient(options.knownPatient, context());
      expect(found).not.toBeNull();
      await assertValidR4(found?.patient ?? { resourceType: 'Patient' });
    });

    it('answers null for a patient the system does not know', async () => {
      await expect(options.createAdapter().findPatient(options.unknownPatient, context())).resolves.toBeNull();
    });

    const dissented = options.dissentedPatient;
    if (dissented !== undefined) {
      it('reports a dissented patient with the dissent flag, not as missing', async () => {
        const found = await options.createAdapter().findPatient(dissented, context());
        expect(found?.flags.dissent).toBe(true);
        expect(found?.patient.identifier?.find((i) => i.system === NHS_NUMBER_SYSTEM)?.value).toBe(dissented);
      });
    }

    it('passes its health check', async () => {
      await expect(options.createAdapter().health(context())).resolves.toBeUndefined();
    });

    it('rejects with SupplierTimeoutError when the signal is aborted', async () => {
      const adapter = options.createAdapter();
      const aborted = context(AbortSignal.abort());
      await expect(adapter.findPatient(options.knownPatient, aborted)).rejects.toBeInstanceOf(SupplierTimeoutError);
      await expect(adapter.health(aborted)).rejects.toBeInstanceOf(SupplierTimeoutError);
    });
  });
}
