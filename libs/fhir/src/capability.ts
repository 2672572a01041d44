import type { CapabilityStatement } from './r4.js';

type RestResource = NonNullable<NonNullable<CapabilityStatement['rest']>[number]['resource']>[number];
type Interaction = fhir4.CapabilityStatementRestResourceInteraction['code'];

/** What the gateway implements, declared by the modules that implement it; the CapabilityStatement is built from this. */
export interface CapabilityDeclaration {
  type: RestResource['type'];
  interactions: Interaction[];
  searchParams?: { name: string; type: 'token' | 'reference' | 'date' | 'string' | 'number'; documentation?: string }[];
  operations?: { name: string; definition: string }[];
  /** `_include` values supported on searches of this type. */
  searchInclude?: string[];
}

export function capabilityStatement(
  declarations: readonly CapabilityDeclaration[],
  options: { baseUrl: string; version: string; date: string },
): CapabilityStatement {
  const resources: RestResource[] = declarations.map((d) => {
    const r: RestResource = {
      type: d.type,
      interaction: d.interactions.map((code) => ({ code })),
    };
    if (d.searchParams?.length) r.searchParam = d.searchParams.map((p) => ({ ...p }));
    if (d.operations?.length) r.operation = d.operations.map((o) => ({ ...o }));
    if (d.searchInclude?.length) r.searchInclude = [...d.searchInclude];
    return r;
  });
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: options.date,
    publisher: 'Lloyd',
    kind: 'instance',
    software: { name: 'Lloyd federated GP-record gateway', version: options.version },
    implementation: { description: 'Lloyd FHIR R4 gateway', url: options.baseUrl },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    rest: [
      {
        mode: 'server',
        security: {
          service: [
            {
              coding: [
                { system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'SMART-on-FHIR' },
              ],
            },
          ],
          description:
            'Signed JWT bearer tokens from a trusted issuer (SMART Backend Services). See /.well-known/smart-configuration.',
        },
        resource: resources,
      },
    ],
  };
}
