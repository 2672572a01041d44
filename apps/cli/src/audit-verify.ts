/**
 * `npm run -s audit:verify`: checks Lloyd's tamper-evident audit trail from its first stored event and reports the
 * first break. With REDIS_URL set it reads the chain straight from Redis. Without it, the audit trail lives inside the
 * running Lloyd process (in-process store), so the check is asked of that process over HTTP instead. With
 * `--archive FILE...` it checks archive files written by `audit:archive` instead, offline.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { ArchiveVerifier, AuditTrail, type ChainReport } from '@lloyd/access';
import { loadConfig, type LloydConfig } from '@lloyd/config';
import { MetricsService } from '@lloyd/observability';
import { createStores, redactRedisUrl } from '@lloyd/store';
import { main as tokenMain } from './token.js';
import { exitQuietlyWhenStdoutCloses, httpBaseUrl, parseCliOptions, userPath } from './cli-support.js';

const USAGE = `Usage: npm run -s audit:verify -- [--base-url URL] [--token ACCESS_TOKEN]
       npm run -s audit:verify -- --archive FILE [FILE...]

Checks Lloyd's tamper-evident audit trail from the first stored event and reports the first break. Where older
events were archived (audit:archive), the stored chain starts after the archive checkpoint, whose hash is shown.
  With REDIS_URL set, reads the chain directly from Redis (the store every gateway replica writes to).
  Without REDIS_URL, the audit trail lives only inside the running Lloyd process (in-process store), so the
  check is made by that process: GET <base-url>/admin/audit/$verify (scope system/AuditEvent.read).
  --base-url  Lloyd's base URL (default http://127.0.0.1:$PORT, PORT default 8080)
  --token     access token with system/AuditEvent.read (default: one for the dev client "auditor")
  --archive   check archive files instead (oldest first; each must follow on from the one before), offline

Exit codes: 0 the chain is intact, 1 the chain is broken, 2 the check could not be made (usage, configuration,
or Lloyd not reachable).
`;

export interface AuditVerifyIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Environment for config loading (REDIS_URL, PORT, LLOYD_CONFIG); defaults to the process environment. */
  env?: NodeJS.ProcessEnv;
  /** How long Lloyd may take to answer `$verify` (default {@link VERIFY_TIMEOUT_MS}). */
  timeoutMs?: number;
}

/** How long Lloyd may take to answer `$verify`: it walks the whole stored chain. */
export const VERIFY_TIMEOUT_MS = 120_000;

const processIo: AuditVerifyIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

interface Options {
  baseUrl?: string;
  token?: string;
  archives?: string[];
}

/** The check could not be made; the message says why and what to do. */
class CannotVerify extends Error {
  constructor(
    message: string,
    readonly showUsage = false,
  ) {
    super(message);
  }
}

function parseOptions(argv: string[], env?: NodeJS.ProcessEnv): Options | 'help' {
  const values = parseCliOptions(
    argv,
    {
      'base-url': { type: 'string' },
      token: { type: 'string' },
      archive: { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
    (message) => new CannotVerify(message, true),
  );
  if (values.help) return 'help';
  const given = values['base-url'];
  const baseUrl = given === undefined ? undefined : httpBaseUrl(given);
  if (given !== undefined && baseUrl === undefined) {
    throw new CannotVerify(`--base-url must be an http:// or https:// URL, not "${given}".`, true);
  }
  if (values.archive && (baseUrl !== undefined || values.token !== undefined)) {
    throw new CannotVerify('--archive checks files offline; it takes no --base-url or --token.', true);
  }
  return {
    ...(baseUrl ? { baseUrl } : {}),
    ...(values.token ? { token: values.token } : {}),
    ...(values.archive ? { archives: values.archive.map((file) => userPath(file, env)) } : {}),
  };
}

/** Whether an archive's first line could be an audit event at all (altered or not), rather than another file. */
function looksLikeAuditEvent(line: string): boolean {
  try {
    return (JSON.parse(line) as { resourceType?: unknown } | null)?.resourceType === 'AuditEvent';
  } catch {
    return /"resourceType"\s*:\s*"AuditEvent"/.test(line);
  }
}

function notAnArchive(file: string, firstLine: string): CannotVerify {
  const start = firstLine.trim().slice(0, 40);
  return new CannotVerify(
    `${file} is not an audit archive: its first line is not an audit event (it starts with "${start}"). ` +
      'An archive written by audit:archive holds one AuditEvent per line; check the file name.',
  );
}

/** What one archive file held, or where it breaks. */
type FileCheck = { events: number } | { brokenAt: number; problem: string };

/**
 * Checks one archive file's lines. Blank lines at the end (a final newline, an editor's extra one) are ignored; a
 * blank line followed by more events is a break, like any other altered line.
 */
async function checkArchiveFile(file: string, verifier: ArchiveVerifier): Promise<FileCheck> {
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  let lineNumber = 0;
  let events = 0;
  let firstBlank: number | undefined;
  try {
    for await (const line of lines) {
      lineNumber++;
      if (line.trim() === '') {
        firstBlank ??= lineNumber;
        continue;
      }
      if (firstBlank !== undefined)
        return {
          brokenAt: firstBlank,
          problem: 'a blank line between events: the file was altered after it was archived',
        };
      if (events === 0 && !looksLikeAuditEvent(line)) throw notAnArchive(file, line);
      const problem = verifier.check(line);
      if (problem !== undefined) return { brokenAt: lineNumber, problem };
      events++;
    }
  } catch (err) {
    if (err instanceof CannotVerify) throw err;
    throw new CannotVerify(`cannot read ${file}: ${(err as Error).message}`);
  } finally {
    lines.close();
  }
  return { events };
}

/** Checks archive files in the order given; resolves to the exit code. */
async function verifyArchives(files: string[], io: AuditVerifyIo): Promise<number> {
  const verifier = new ArchiveVerifier();
  for (const file of files) {
    const checked = await checkArchiveFile(file, verifier);
    if ('brokenAt' in checked) {
      io.stdout(
        `BROKEN at ${file} line ${checked.brokenAt}: ${checked.problem}\n` +
          `The ${verifier.checked} events before it are intact${verifier.through ? ` (${verifier.from}–${verifier.through})` : ''}. ` +
          'Keep the files as they are for investigation and report it to your information-governance lead.\n',
      );
      return 1;
    }
    if (checked.events === 0) throw new CannotVerify(`${file} holds no events: is it an audit archive?`);
  }
  io.stdout(
    `OK: ${verifier.checked} archived event${verifier.checked === 1 ? '' : 's'} intact in ${files.length} ` +
      `file${files.length === 1 ? '' : 's'}: events ${verifier.from}–${verifier.through}, the last one's hash ` +
      `${verifier.hash}.\nThe archive that follows on (or the store, after its latest archive) starts from that hash.\n`,
  );
  return 0;
}

async function verifyInRedis(config: LloydConfig): Promise<ChainReport> {
  let stores;
  try {
    stores = await createStores(config);
  } catch (err) {
    throw new CannotVerify((err as Error).message);
  }
  try {
    return await new AuditTrail(stores.kv, new MetricsService({ defaultMetrics: false })).verify();
  } finally {
    await stores.close();
  }
}

async function auditorToken(baseUrl: string, io: AuditVerifyIo): Promise<string> {
  let token = '';
  let problem = '';
  const code = await tokenMain(['--client', 'auditor', '--base-url', baseUrl], {
    stdout: (text) => (token += text),
    stderr: (text) => (problem += text),
    ...(io.env ? { env: io.env } : {}),
  });
  if (code !== 0)
    throw new CannotVerify(
      `could not get a token for the dev client "auditor": ${problem.replace(/^token: /, '').trim()}`,
    );
  return token.trim();
}

async function verifyOverHttp(
  baseUrl: string,
  options: Options,
  io: AuditVerifyIo,
): Promise<ChainReport & { store?: string }> {
  const token = options.token ?? (await auditorToken(baseUrl, io));
  let response: Response;
  try {
    response = await fetch(`${baseUrl}/admin/audit/$verify`, {
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
      signal: AbortSignal.timeout(io.timeoutMs ?? VERIFY_TIMEOUT_MS),
    });
  } catch (err) {
    if ((err as { name?: unknown } | null)?.name === 'TimeoutError') {
      throw new CannotVerify(
        `Lloyd at ${baseUrl} did not finish the check within ${(io.timeoutMs ?? VERIFY_TIMEOUT_MS) / 1000} s. A long chain takes time: run audit:verify with REDIS_URL set to check the store directly, or check Lloyd's health.`,
      );
    }
    throw new CannotVerify(
      `cannot reach Lloyd at ${baseUrl}: is it running? Start it with npm start, or pass --base-url.`,
    );
  }
  const body = await response.text();
  if (!response.ok) {
    let detail = body.slice(0, 300);
    try {
      detail = (JSON.parse(body) as { issue?: { diagnostics?: string }[] }).issue?.[0]?.diagnostics ?? detail;
    } catch {
      // Not JSON: show the start of the body.
    }
    throw new CannotVerify(`Lloyd refused the check (HTTP ${response.status}): ${detail}`);
  }
  return chainReport(baseUrl, body);
}

/** The answer of $verify as a chain report, or the check could not be made: something other than Lloyd answered. */
function chainReport(baseUrl: string, body: string): ChainReport & { store?: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    parsed = undefined;
  }
  const report = parsed as Partial<ChainReport> | null | undefined;
  const isReport =
    typeof report === 'object' &&
    report !== null &&
    typeof report.ok === 'boolean' &&
    typeof report.checked === 'number' &&
    typeof report.head === 'number' &&
    (report.ok || typeof report.firstBreak?.seq === 'number');
  if (isReport) return { archivedThrough: 0, ...report } as ChainReport & { store?: string };
  const received = parsed === undefined ? 'an answer that is not JSON' : 'JSON that is not an audit chain report';
  throw new CannotVerify(
    `the check could not be made: ${baseUrl}/admin/audit/$verify answered HTTP 200 with ${received} ` +
      `(it starts with "${body.trim().slice(0, 60)}"). Is Lloyd really at ${baseUrl}? Check --base-url.`,
  );
}

function report(result: ChainReport, where: string): string {
  const counted = `${result.checked} event${result.checked === 1 ? '' : 's'}`;
  const archived =
    result.archivedThrough > 0
      ? `Events 1–${result.archivedThrough} are archived; the store's chain starts from event ` +
        `${result.archivedThrough}'s hash ${result.archivedHash ?? '(not given)'}, which ends the latest archive file.\n`
      : '';
  if (result.ok)
    return `OK: the audit chain is intact. Checked ${counted} in ${where}; the head is at event ${result.head}.\n${archived}`;
  const { seq, reason } = result.firstBreak ?? { seq: 0, reason: 'no reason given' };
  return (
    `BROKEN at event ${seq}: ${reason}\n` +
    `The ${counted} before it are intact; the head is at event ${result.head}. Events from ${seq} on cannot be trusted:\n` +
    'keep the store as it is for investigation and report it to your information-governance lead.\n' +
    archived
  );
}

/** Runs the check; resolves to the exit code (0 intact, 1 broken, 2 could not check). */
export async function main(argv: string[], io: AuditVerifyIo = processIo): Promise<number> {
  try {
    const options = parseOptions(argv, io.env);
    if (options === 'help') {
      io.stdout(USAGE);
      return 0;
    }
    if (options.archives) return await verifyArchives(options.archives, io);
    let config: LloydConfig;
    try {
      config = loadConfig(io.env ? { env: io.env } : {});
    } catch (err) {
      throw new CannotVerify((err as Error).message);
    }
    let result: ChainReport;
    let where: string;
    if (config.store.redisUrl) {
      where = `Redis (${redactRedisUrl(config.store.redisUrl)})`;
      result = await verifyInRedis(config);
    } else {
      const baseUrl = options.baseUrl ?? `http://127.0.0.1:${config.server.port}`;
      io.stdout(
        'REDIS_URL is not set. With the in-process store (npm start) the audit trail exists only inside the running\n' +
          `Lloyd process and is lost when it stops, so that process is asked to check it: ${baseUrl}/admin/audit/$verify\n`,
      );
      const checked = await verifyOverHttp(baseUrl, options, io);
      where = `the running Lloyd at ${baseUrl} (${checked.store === 'redis' ? 'Redis' : 'in-process'} store)`;
      result = checked;
    }
    io.stdout(report(result, where));
    return result.ok ? 0 : 1;
  } catch (err) {
    if (!(err instanceof CannotVerify)) throw err;
    io.stderr(`audit:verify: ${err.message}\n${err.showUsage ? `\n${USAGE}` : ''}`);
    return 2;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  exitQuietlyWhenStdoutCloses();
  process.exitCode = await main(process.argv.slice(2));
}
