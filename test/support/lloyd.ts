import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Type } from '@nestjs/common';
import { loadConfig, type LloydConfig, type LloydConfigInput } from '@lloyd/config';
import { ResourceIdCodec } from '@lloyd/federation';
import { createGatewayApp } from '../../apps/gateway/src/bootstrap.js';
import { startSimulators, type RunningSimulators, type SimulatedSystem } from '../../apps/supplier-sim/src/server.js';
import { generatePatients } from '../../apps/supplier-sim/src/generator/index.js';
import { fetchToken, type DevClient, type TokenRequest } from './tokens.js';

const SEED = 20261123;

/** Every area of the structured record, without filters (resolved allergies included). */
export const ALL_AREAS: fhir4.ParametersParameter[] = [
  { name: 'includeAllergies', part: [{ name: 'includeResolvedAllergies', valueBoolean: true }] },
  { name: 'includeMedication' },
  { name: 'includeConsultations' },
  { name: 'includeProblems' },
  { name: 'includeImmunisations' },
  { name: 'includeUncategorisedData' },
  { name: 'includeInvestigations' },
  { name: 'includeReferrals' },
];

export interface RunningLloyd {
  base: string;
  app: NestFastifyApplication;
  sims: RunningSimulators;
  config: LloydConfig;
  /** The gateway's own id codec, to make (or forge) the ids a client could send. */
  ids: ResourceIdCodec;
  token(client: DevClient, request?: TokenRequest): Promise<string>;
  /** POSTs `$gpc.getstructuredrecord` for `nhsNumber` with these parameters beside `patientNHSNumber`. */
  structuredRecord(token: string, nhsNumber: string, parameters: readonly object[]): Promise<Response>;
  close(): Promise<void>;
}

export interface StartLloydOptions {
  overrides?: LloydConfigInput;
  /** Extra modules to mount beside the gateway (test-only controllers, the worker). */
  mount?: Type[];
  /** Synthetic patients per simulated practice, beyond the demo patients (they are added to the registry). */
  extraPatients?: number;
}

/**
 * Starts the four simulated supplier systems and a gateway wired to them, all on free loopback ports, with the
 * embedded defaults (in-process store, dev issuer). Tokens come from the gateway's own token endpoint.
 */
export async function startLloyd(options: StartLloydOptions = {}): Promise<RunningLloyd> {
  const extraPatients = options.extraPatients ?? 0;
  const sims = await startSimulators({
    seed: SEED,
    host: '127.0.0.1',
    ports: { P10001: 0, P20002: 0, P30003: 0, P40004: 0 },
    ...(extraPatients ? { extraPatients } : {}),
  });
  const base = loadConfig({ env: {} });
  const synthetic = Object.fromEntries(
    (['P10001', 'P20002', 'P30003', 'P40004'] as const).flatMap((ods) =>
      extraPatients
        ? generatePatients(SEED, extraPatients, ods).map((p) => [p.demographics.nhsNumber, ods] as const)
        : [],
    ),
  );
  const suppliers = base.suppliers.map((s) => ({ ...s, baseUrl: sims.urls[s.ods as SimulatedSystem] ?? s.baseUrl }));
  const overrides = options.overrides ?? {};
  const config = loadConfig({
    env: {},
    overrides: {
      ...overrides,
      server: { port: 0, ...overrides.server },
      suppliers: overrides.suppliers ?? suppliers,
      registry: { patients: { ...base.registry.patients, ...synthetic, ...overrides.registry?.patients } },
      observability: { logLevel: 'silent', ...overrides.observability },
    },
  });
  const app = await createGatewayApp(config, { mount: options.mount ?? [] });
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const cache = new Map<string, Promise<string>>();
  return {
    base: url,
    app,
    sims,
    config,
    ids: app.get(ResourceIdCodec),
    token: (client, request = {}) => {
      const key = `${client}:${JSON.stringify(request)}`;
      let token = cache.get(key);
      if (!token) {
        token = fetchToken(url, client, request);
        cache.set(key, token);
      }
      return token;
    },
    structuredRecord: (token, nhsNumber, parameters) =>
      fetch(`${url}/fhir/Patient/$gpc.getstructuredrecord`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json' },
        body: JSON.stringify({
          resourceType: 'Parameters',
          parameter: [
            {
              name: 'patientNHSNumber',
              valueIdentifier: { system: 'https://fhir.nhs.uk/Id/nhs-number', value: nhsNumber },
            },
            ...parameters,
          ],
        }),
      }),
    close: async () => {
      await app.close();
      await sims.close();
    },
  };
}
