import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { configSchema, type LloydConfig, type LloydConfigInput } from './schema.js';

/** Thrown when configuration cannot be read or does not match the schema; the message names each bad key. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export interface LoadConfigOptions {
  /** Environment to read overrides from; defaults to `process.env`. Tests pass their own. */
  env?: NodeJS.ProcessEnv;
  /** Folder holding `default.yaml`; defaults to the project's `config/`. */
  configDir?: string;
  /** Applied last, over files and environment (used by the all-in-one launcher and tests). */
  overrides?: DeepPartial<LloydConfigInput>;
}

export type DeepPartial<T> = T extends readonly (infer U)[]
  ? U[]
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

type Json = Record<string, unknown>;

/** Environment variables that override configuration keys, and how to convert them. */
const ENV_OVERRIDES: readonly { name: string; path: string[]; kind: 'string' | 'int' | 'number' | 'bool' }[] = [
  { name: 'HOST', path: ['server', 'host'], kind: 'string' },
  { name: 'PORT', path: ['server', 'port'], kind: 'int' },
  { name: 'WORKER_METRICS_PORT', path: ['worker', 'metricsPort'], kind: 'int' },
  { name: 'PUBLIC_BASE_URL', path: ['server', 'publicBaseUrl'], kind: 'string' },
  { name: 'REDIS_URL', path: ['store', 'redisUrl'], kind: 'string' },
  { name: 'LLOYD_DATA_DIR', path: ['store', 'dataDir'], kind: 'string' },
  { name: 'LLOYD_ID_KEY', path: ['ids', 'key'], kind: 'string' },
  { name: 'LOG_LEVEL', path: ['observability', 'logLevel'], kind: 'string' },
  { name: 'LLOYD_TERMINOLOGY_DIR', path: ['terminology', 'releaseDir'], kind: 'string' },
  { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', path: ['observability', 'otlpEndpoint'], kind: 'string' },
  { name: 'OTEL_TRACES_SAMPLER_ARG', path: ['observability', 'traceSampleRatio'], kind: 'number' },
  { name: 'LLOYD_EMBEDDED_SIMULATORS', path: ['simulators', 'embedded'], kind: 'bool' },
  { name: 'LLOYD_SYNTHETIC_PATIENTS', path: ['simulators', 'syntheticPatients'], kind: 'int' },
];

export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'config', 'default.yaml'))) return dir;
    const up = dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
}

function readFile(path: string): Json {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`Cannot read config file ${path}: ${(err as Error).message}`);
  }
  try {
    const parsed: unknown = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
    if (parsed === null || parsed === undefined) return {};
    if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('top level must be a mapping');
    return parsed as Json;
  } catch (err) {
    throw new ConfigError(
      `Config file ${path} is not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${(err as Error).message}`,
    );
  }
}

function isPlainObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep-merges `over` onto `base`; arrays and scalars replace. */
export function mergeConfig(base: Json, over: Json): Json {
  const out: Json = { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (value === undefined) continue;
    const prev = out[key];
    out[key] = isPlainObject(prev) && isPlainObject(value) ? mergeConfig(prev, value) : value;
  }
  return out;
}

function convertEnv(name: string, raw: string, kind: 'string' | 'int' | 'number' | 'bool'): unknown {
  switch (kind) {
    case 'string':
      return raw;
    case 'int':
    case 'number': {
      const n = Number(raw);
      if (raw.trim() === '' || Number.isNaN(n) || (kind === 'int' && !Number.isInteger(n))) {
        throw new ConfigError(
          `Invalid configuration: environment variable ${name}="${raw}" must be ${kind === 'int' ? 'a whole number' : 'a number'}`,
        );
      }
      return n;
    }
    case 'bool':
      if (/^(1|true|yes)$/i.test(raw)) return true;
      if (/^(0|false|no)$/i.test(raw)) return false;
      throw new ConfigError(`Invalid configuration: environment variable ${name}="${raw}" must be true or false`);
  }
}

function envLayer(env: NodeJS.ProcessEnv): Json {
  let layer: Json = {};
  for (const o of ENV_OVERRIDES) {
    const raw = env[o.name];
    if (raw === undefined || raw === '') continue;
    let node: Json = { [o.path[o.path.length - 1]!]: convertEnv(o.name, raw, o.kind) };
    for (let i = o.path.length - 2; i >= 0; i--) node = { [o.path[i]!]: node };
    layer = mergeConfig(layer, node);
  }
  return layer;
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .flatMap((issue) => {
      // `access.agreements[1].validFrom`: list items by index, as the admin API names fields.
      const at = (path: readonly PropertyKey[]) =>
        path.length
          ? path.reduce<string>(
              (out, key, i) =>
                typeof key === 'number' ? `${out}[${key}]` : i === 0 ? String(key) : `${out}.${String(key)}`,
              '',
            )
          : '(root)';
      // A misspelt key would otherwise be ignored and its default used: name each one where it is.
      if (issue.code === 'unrecognized_keys') {
        return issue.keys.map(
          (key) =>
            `  - ${at([...issue.path, key])}: not a setting Lloyd knows; check its spelling and place against config/default.yaml and the README's Configuration section`,
        );
      }
      return [`  - ${at(issue.path)}: ${issue.message}`];
    })
    .join('\n');
}

/**
 * Reads `config/default.yaml`, then the file named by `LLOYD_CONFIG`, then environment overrides, then
 * `overrides`, and validates the result. Fails fast with a {@link ConfigError} naming every bad key.
 */
export function loadConfig(options: LoadConfigOptions = {}): LloydConfig {
  const env = options.env ?? process.env;
  const configDir = options.configDir ?? join(projectRoot(), 'config');
  let raw = readFile(join(configDir, 'default.yaml'));
  const extra = env['LLOYD_CONFIG'];
  // A relative path is the user's: npm runs scripts in the project folder and names the user's folder INIT_CWD.
  if (extra)
    raw = mergeConfig(raw, readFile(isAbsolute(extra) ? extra : resolve(env['INIT_CWD'] ?? process.cwd(), extra)));
  raw = mergeConfig(raw, envLayer(env));
  if (options.overrides) raw = mergeConfig(raw, options.overrides);
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    throw new ConfigError(`Invalid configuration:\n${describeIssues(result.error)}`);
  }
  return result.data;
}
