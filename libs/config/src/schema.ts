import { z } from 'zod';
import { accessPracticeProblems } from './access-block.js';
import { accessSchema } from './schema-access.js';

const odsCode = z.string().regex(/^[A-Z0-9]{3,10}$/, 'must be an ODS code (3-10 upper-case letters or digits)');
const url = z.url();

const jwk = z.looseObject({ kty: z.string() });
const jwks = z.strictObject({ keys: z.array(jwk) });

export const algorithms = ['ES256', 'RS256', 'EdDSA'] as const;

const trustedIssuer = z
  .strictObject({
    issuer: z.string().min(1),
    audience: z.string().min(1),
    jwks: jwks.optional(),
    jwksUri: url.optional(),
    algorithms: z.array(z.enum(algorithms)).min(1).default(['ES256', 'RS256', 'EdDSA']),
  })
  .refine((i) => Boolean(i.jwks) !== Boolean(i.jwksUri), {
    message: 'give exactly one of jwks (inline) or jwksUri',
  });

const client = z.strictObject({
  id: z.string().min(1),
  organisation: odsCode,
  description: z.string().default(''),
  scopes: z.array(z.string().min(1)).min(1),
  jwks,
});

export const supplierFormats = ['xml-readv2', 'json-ctv3', 'hl7v3-extract', 'fhir-stu3'] as const;

const supplier = z.strictObject({
  ods: odsCode,
  name: z.string().min(1),
  format: z.enum(supplierFormats),
  baseUrl: url,
  timeoutMs: z.number().int().positive().default(2000),
  /**
   * Parsed answers kept per system and revalidated with the system (`ETag` / `If-None-Match`) on every read, in
   * bytes of the system's answers; 0 turns it off. Used by the adapters whose systems support conditional reads.
   */
  revalidatedCacheBytes: z
    .number()
    .int()
    .min(0)
    .default(16 * 1024 * 1024),
});

const configShape = z.strictObject({
  server: z
    .strictObject({
      host: z.string().min(1).default('127.0.0.1'),
      port: z.number().int().min(0).max(65535).default(8080),
      bodyLimitBytes: z.number().int().positive().default(1_048_576),
      publicBaseUrl: url.optional(),
      trustProxy: z.boolean().default(false),
    })
    .prefault({}),
  store: z
    .strictObject({
      redisUrl: z
        .string()
        .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
        .optional(),
      keyPrefix: z.string().default('lloyd:'),
      dataDir: z.string().min(1).default('.data'),
      /** BullMQ job lock: a killed worker's jobs move to another worker within about twice this. */
      jobLockMs: z.number().int().min(1000).default(30_000),
    })
    .prefault({}),
  auth: z
    .strictObject({
      issuers: z.array(trustedIssuer).default([]),
      maxTokenLifetimeSeconds: z.number().int().positive().max(300).default(300),
      clockToleranceSeconds: z.number().int().min(0).max(60).default(5),
      verifiedTokenCacheSize: z.number().int().positive().default(10_000),
      embeddedIssuer: z
        .strictObject({
          enabled: z.boolean().default(true),
          issuer: z.string().min(1).default('urn:lloyd:embedded-issuer'),
          audience: z.string().min(1).default('urn:lloyd:gateway'),
          tokenLifetimeSeconds: z.number().int().positive().max(300).default(300),
          clients: z.array(client).default([]),
        })
        .prefault({}),
    })
    .prefault({}),
  suppliers: z.array(supplier).default([]),
  ids: z
    .strictObject({
      /**
       * The secret that seals public resource ids (base64, at least 32 bytes). Unset: one is made once and kept in
       * the store, shared by every replica on the same Redis. Ids made under one key do not open under another.
       */
      key: z
        .string()
        .regex(/^[A-Za-z0-9+/]+={0,2}$/, 'must be base64 (make one with: openssl rand -base64 32)')
        .refine((v) => Buffer.from(v, 'base64').length >= 32, 'must be at least 32 bytes (openssl rand -base64 32)')
        .optional(),
    })
    .prefault({}),
  terminology: z
    .strictObject({
      /** Folder holding the national Read v2 / CTV3 → SNOMED CT map release files (see libs/terminology/README.md). */
      releaseDir: z.string().min(1).optional(),
    })
    .prefault({}),
  /** GP2GP transfer tunables (milliseconds and bytes); unset keys take GP2GP's values (see libs/gp2gp/README.md). */
  gp2gp: z
    .strictObject({
      largeMessageThresholdBytes: z.number().int().positive().optional(),
      fragmentBytes: z.number().int().positive().optional(),
      extractPersistMs: z.number().int().positive().optional(),
      copcPersistMs: z.number().int().positive().optional(),
      integrationDeadlineMs: z.number().int().positive().optional(),
      supplierCallTimeoutMs: z.number().int().positive().optional(),
      stepAttempts: z.number().int().positive().optional(),
      /** First delay between tries of a failing step; doubles with each retry up to stepRetryMaxDelayMs. */
      stepBackoffMs: z.number().int().positive().optional(),
      stepRetryMaxDelayMs: z.number().int().positive().optional(),
      /** How long a failing step is retried, from its first failure, before the transfer fails. */
      stepRetryForMs: z.number().int().positive().optional(),
      leaseTtlMs: z.number().int().positive().optional(),
      eventPollMs: z.number().int().positive().optional(),
      concurrency: z.number().int().positive().optional(),
      resumeStalledAfterMs: z.number().int().positive().optional(),
      resumeIntervalMs: z.number().int().positive().optional(),
      /** How long an ended transfer's files are kept before they are deleted (0: as soon as it is settled). */
      fileRetentionMs: z.number().int().min(0).optional(),
    })
    .prefault({}),
  /** The standalone transfer worker (`apps/transfer-worker`). */
  worker: z
    .strictObject({
      /**
       * Port of the worker's own HTTP listener (on `server.host`), serving `/metrics` and `/health/live`; unset:
       * none. Each worker process is then a Prometheus scrape target of its own, as each gateway replica is.
       */
      metricsPort: z.number().int().min(1).max(65535).optional(),
    })
    .prefault({}),
  /** Protection of Lloyd and of supplier systems from each other; applied per supplier system. */
  resilience: z
    .strictObject({
      /** Calls in flight to one supplier at once (the bulkhead), so one slow supplier cannot starve the others. */
      maxConcurrentPerSupplier: z.number().int().positive().default(32),
      /** Calls allowed to wait for a place in the bulkhead before being refused with 503. */
      maxQueuedPerSupplier: z.number().int().min(0).default(64),
      /** Consecutive failures that open a supplier's circuit breaker. */
      breakerThreshold: z.number().int().positive().default(5),
      /** How long an open breaker refuses calls before letting one probe through. */
      breakerHalfOpenAfterMs: z.number().int().positive().default(10_000),
      /** Retries of an idempotent read after a connection failure, with jittered exponential backoff. */
      retries: z.number().int().min(0).max(5).default(2),
      retryInitialDelayMs: z.number().int().positive().default(50),
    })
    .prefault({}),
  registry: z
    .strictObject({
      /** NHS number → ODS code of the registered practice. */
      patients: z.record(z.string().regex(/^\d{10}$/, 'must be a 10-digit NHS number'), odsCode).default({}),
    })
    .prefault({}),
  access: accessSchema,
  observability: z
    .strictObject({
      logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
      otlpEndpoint: url.optional(),
      traceSampleRatio: z.number().min(0).max(1).default(0.1),
      serviceName: z.string().default('lloyd'),
    })
    .prefault({}),
  simulators: z
    .strictObject({
      /** Start the built-in supplier simulators inside `npm start` (dev and demo only). */
      embedded: z.boolean().default(true),
      seed: z.number().int().default(20261123),
      syntheticPatients: z.number().int().min(0).default(0),
    })
    .prefault({}),
});

/** The whole configuration; the policy rules that need `suppliers` as well as `access` are checked here. */
export const configSchema = configShape.superRefine((config, ctx) => {
  const suppliers = new Set(config.suppliers.map((s) => s.ods));
  for (const { path, message } of accessPracticeProblems(config.access, suppliers)) {
    ctx.addIssue({ code: 'custom', path, message });
  }
});

export type LloydConfig = z.infer<typeof configSchema>;
/** The shape configuration files and overrides are written in, before defaults are applied. */
export type LloydConfigInput = z.input<typeof configSchema>;
export type TrustedIssuerConfig = LloydConfig['auth']['issuers'][number];
export type ClientConfig = LloydConfig['auth']['embeddedIssuer']['clients'][number];
export type SupplierConfig = LloydConfig['suppliers'][number];
export type SupplierFormat = (typeof supplierFormats)[number];
