/**
 * `npm run -s token -- --client <id> ...`: a real SMART Backend Services client for Lloyd's dev clients. It signs a
 * client assertion with the client's dev key, exchanges it at the running Lloyd's token endpoint and prints the
 * access token alone on stdout.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadConfig, projectRoot, type LloydConfig } from '@lloyd/config';
import { importJWK, SignJWT, type JWK } from 'jose';
import { exitQuietlyWhenStdoutCloses, httpBaseUrl, parseCliOptions } from './cli-support.js';

const USAGE = `Usage: npm run -s token -- --client <id> [--practitioner <sds-user-id>] [--scope "<scopes>"]
                           [--reason directcare|emergency] [--reason-text "…"] [--base-url URL]

Gets an access token from a running Lloyd (start it with npm start) for one of the dev clients in config/.
  --client        dev client id, e.g. hospital-epr, social-care, no-agreement, gp2gp-broker, auditor, admin
  --practitioner  SDS user id of the person making the request (needed to read patient records)
  --scope         space-separated scopes (default: all the client is registered for)
  --reason        reason_for_request: directcare (default) or emergency
  --reason-text   why (required with --reason emergency)
  --base-url      Lloyd's base URL (default http://127.0.0.1:$PORT, PORT default 8080)
`;

const ASSERTION_LIFETIME_SECONDS = 240;
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** Lloyd answers a token request in milliseconds; a server that takes this long is not answering. */
const ANSWER_TIMEOUT_MS = 10_000;

export interface TokenCliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Environment for config loading (PORT, LLOYD_CONFIG); defaults to the process environment. */
  env?: NodeJS.ProcessEnv;
  /** How long to wait for the token endpoint's answer (tests); default {@link ANSWER_TIMEOUT_MS}. */
  timeoutMs?: number;
}

const processIo: TokenCliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

interface Options {
  client: string;
  practitioner?: string;
  scope?: string;
  reason?: string;
  reasonText?: string;
  baseUrl?: string;
}

class UsageError extends Error {}

function parseOptions(argv: string[]): Options | 'help' {
  const values = parseCliOptions(
    argv,
    {
      client: { type: 'string' },
      practitioner: { type: 'string' },
      scope: { type: 'string' },
      reason: { type: 'string' },
      'reason-text': { type: 'string' },
      'base-url': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    (message) => new UsageError(message),
  );
  if (values.help) return 'help';
  if (!values.client) throw new UsageError('--client is required.');
  if (values.reason !== undefined && values.reason !== 'directcare' && values.reason !== 'emergency') {
    throw new UsageError(`--reason must be directcare or emergency, not "${values.reason}".`);
  }
  if (values.reason === 'emergency' && !values['reason-text']?.trim()) {
    throw new UsageError('--reason emergency needs --reason-text explaining the emergency.');
  }
  const baseUrl = values['base-url'] === undefined ? undefined : httpBaseUrl(values['base-url']);
  if (values['base-url'] !== undefined && baseUrl === undefined) {
    throw new UsageError(`--base-url must be an http:// or https:// URL, not "${values['base-url']}".`);
  }
  return {
    client: values.client,
    practitioner: values.practitioner,
    scope: values.scope,
    reason: values.reason,
    reasonText: values['reason-text'],
    baseUrl,
  };
}

function clientKey(config: LloydConfig, clientId: string): JWK {
  const known = config.auth.embeddedIssuer.clients.map((c) => c.id);
  if (!known.includes(clientId)) {
    throw new UsageError(`Unknown client "${clientId}". Known dev clients: ${known.join(', ')}.`);
  }
  const file = join(projectRoot(), 'config', 'dev-keys', `${clientId}.private.jwk.json`);
  let parsed: { client_id?: unknown; jwk?: JWK };
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as typeof parsed;
  } catch (err) {
    throw new UsageError(`Client "${clientId}" has no usable dev key at ${file}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  if (parsed.client_id !== clientId || !parsed.jwk?.d) {
    throw new UsageError(`${file} does not hold a private key for client "${clientId}".`);
  }
  return parsed.jwk;
}

async function signAssertion(options: Options, jwk: JWK, tokenUrl: string): Promise<string> {
  const alg = jwk.alg ?? 'ES256';
  const key = await importJWK(jwk, alg);
  const claims: Record<string, string> = {};
  if (options.practitioner) claims['requesting_practitioner'] = options.practitioner;
  if (options.reason) claims['reason_for_request'] = options.reason;
  if (options.reasonText) claims['reason_text'] = options.reasonText;
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT(claims)
    .setProtectedHeader({ alg, typ: 'JWT', ...(jwk.kid ? { kid: jwk.kid } : {}) })
    .setIssuer(options.client)
    .setSubject(options.client)
    .setAudience(tokenUrl)
    .setIssuedAt(now)
    .setExpirationTime(now + ASSERTION_LIFETIME_SECONDS)
    .setJti(randomUUID())
    .sign(key);
}

/** The token request failed; the message says why and what to do. */
class TokenFailure extends Error {}

/** The texts of an OperationOutcome error body (every Lloyd error is one), else undefined. */
function outcomeText(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as {
      resourceType?: string;
      issue?: { diagnostics?: string; details?: { text?: string } }[];
    };
    if (parsed.resourceType === 'OperationOutcome' && parsed.issue?.length) {
      return parsed.issue.map((i) => [i.details?.text, i.diagnostics].filter(Boolean).join(': ')).join('\n');
    }
  } catch {
    // Not JSON: not Lloyd's answer.
  }
  return undefined;
}

/** Posts the token request; resolves to the answer's status and body, or throws a {@link TokenFailure}. */
async function post(baseUrl: string, form: URLSearchParams, timeoutMs: number) {
  const tokenUrl = `${baseUrl}/oauth2/token`;
  try {
    const response = await fetch(tokenUrl, {
      method: 'POST',
      body: form,
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(timeoutMs),
    });
    return { status: response.status, ok: response.ok, body: await response.text() };
  } catch (err) {
    if ((err as Error).name === 'TimeoutError') {
      throw new TokenFailure(
        `the server at ${baseUrl} did not answer the token request within ${timeoutMs / 1000} s. Lloyd answers at ` +
          'once: check --base-url, or whether Lloyd there is overloaded or stuck (its log says).',
      );
    }
    throw new TokenFailure(`cannot reach Lloyd at ${baseUrl}: is it running? start it with npm start`);
  }
}

/** The access token from the token endpoint's answer, or a {@link TokenFailure} saying what came back instead. */
function accessTokenOf(baseUrl: string, answer: { status: number; ok: boolean; body: string }): string {
  const tokenUrl = `${baseUrl}/oauth2/token`;
  if (!answer.ok) {
    const outcome = outcomeText(answer.body);
    if (outcome !== undefined) {
      throw new TokenFailure(`Lloyd refused the token request (HTTP ${answer.status}):\n${outcome}`);
    }
    throw new TokenFailure(
      `the server at ${baseUrl} does not look like Lloyd's token endpoint: POST ${tokenUrl} answered HTTP ` +
        `${answer.status} with "${answer.body.trim().slice(0, 200)}", not a FHIR OperationOutcome as Lloyd does. ` +
        "Check --base-url: it must be Lloyd's base URL (default http://127.0.0.1:$PORT).",
    );
  }
  let accessToken: unknown;
  try {
    accessToken = (JSON.parse(answer.body) as { access_token?: unknown }).access_token;
  } catch {
    accessToken = undefined;
  }
  if (typeof accessToken !== 'string' || accessToken === '') {
    throw new TokenFailure(`${tokenUrl} answered without an access_token; is ${baseUrl} really Lloyd?`);
  }
  return accessToken;
}

/** Runs the token client; resolves to the process exit code (0 ok, 1 exchange failed, 2 bad usage). */
export async function main(argv: string[], io: TokenCliIo = processIo): Promise<number> {
  let options: Options;
  let jwk: JWK;
  let baseUrl: string;
  try {
    const parsed = parseOptions(argv);
    if (parsed === 'help') {
      io.stdout(USAGE);
      return 0;
    }
    options = parsed;
    const config = loadConfig(io.env ? { env: io.env } : {});
    jwk = clientKey(config, options.client);
    baseUrl = options.baseUrl ?? `http://127.0.0.1:${config.server.port}`;
  } catch (err) {
    io.stderr(`token: ${(err as Error).message}\n\n${err instanceof UsageError ? USAGE : ''}`);
    return 2;
  }

  const form = new URLSearchParams({
    grant_type: 'client_credentials',
    client_assertion_type: JWT_BEARER,
    client_assertion: await signAssertion(options, jwk, `${baseUrl}/oauth2/token`),
  });
  if (options.scope) form.set('scope', options.scope);
  try {
    const answer = await post(baseUrl, form, io.timeoutMs ?? ANSWER_TIMEOUT_MS);
    io.stdout(`${accessTokenOf(baseUrl, answer)}\n`);
    return 0;
  } catch (err) {
    if (!(err instanceof TokenFailure)) throw err;
    io.stderr(`token: ${err.message}\n`);
    return 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  exitQuietlyWhenStdoutCloses();
  process.exitCode = await main(process.argv.slice(2));
}
