/**
 * `npm run -s audit:archive -- --before YYYY-MM-DD --out FILE`: moves the audit trail's events recorded before a date
 * out of Redis into an archive file (one stored event per line), after checking every link, so the store does not
 * grow without bound. `npm run -s audit:verify -- --archive FILE...` checks archive files later.
 */
import { link, open, rm, unlink, type FileHandle } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import {
  ArchiveNotRecordedError,
  AuditArchive,
  AuditChainBrokenError,
  type ArchiveResult,
  type ArchiveSink,
} from '@lloyd/access';
import { loadConfig, type LloydConfig } from '@lloyd/config';
import { createStores, redactRedisUrl } from '@lloyd/store';
import { exitQuietlyWhenStdoutCloses, parseCliOptions, userPath } from './cli-support.js';

const USAGE = `Usage: npm run -s audit:archive -- --before YYYY-MM-DD --out FILE

Moves the audit events recorded before the date (00:00 UTC) out of the store into FILE, oldest first, one event per
line as the exact text the store kept, so the file alone proves its events' integrity (audit:verify --archive FILE).
Every event is checked against the hash chain first; a broken chain archives nothing. The file is written as
FILE.partial, flushed to disk and only then named FILE, and only then are the events removed from the store.
The store keeps a checkpoint (the last archived event's number and hash), where its chain now starts.
Needs REDIS_URL: the in-process store (npm start) keeps its trail only while Lloyd runs.
  --before  archive events recorded before this date (not later than tomorrow)
  --out     the archive file to create; an existing file is never overwritten

Exit codes: 0 archived (or nothing was recorded before the date), 1 the chain is broken or another archive run
interfered (nothing archived), 2 the archive could not be made (usage, configuration, file or store).
`;

export interface AuditArchiveIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Environment for config loading (REDIS_URL, LLOYD_CONFIG); defaults to the process environment. */
  env?: NodeJS.ProcessEnv;
  /** The current time (tests); defaults to now. */
  now?: () => Date;
}

const processIo: AuditArchiveIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/** The archive could not be made; the message says why and what to do. */
class CannotArchive extends Error {
  constructor(
    message: string,
    readonly showUsage = false,
  ) {
    super(message);
  }
}

interface Options {
  before: Date;
  out: string;
}

function parseOptions(argv: string[], now: Date, env?: NodeJS.ProcessEnv): Options | 'help' {
  const values = parseCliOptions(
    argv,
    { before: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    (message) => new CannotArchive(message, true),
  );
  if (values.help) return 'help';
  if (!values.before) throw new CannotArchive('--before is required: the date before which events are archived.', true);
  if (!values.out) throw new CannotArchive('--out is required: the archive file to create.', true);
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(values.before);
  const before = match ? new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]))) : undefined;
  if (!before || before.toISOString().slice(0, 10) !== values.before) {
    throw new CannotArchive(`--before must be a calendar date as YYYY-MM-DD, not "${values.before}".`, true);
  }
  if (before.getTime() > now.getTime() + 86_400_000) {
    throw new CannotArchive(
      `--before ${values.before} is in the future; events not yet recorded cannot be archived. Give today's date or earlier.`,
    );
  }
  return { before, out: userPath(values.out, env) };
}

/** Writes the archive as FILE.partial, and names it FILE only once it is on disk. */
class FileSink implements ArchiveSink {
  private readonly partial: string;

  private constructor(
    private readonly out: string,
    private handle: FileHandle | undefined,
  ) {
    this.partial = `${out}.partial`;
  }

  static async create(out: string): Promise<FileSink> {
    try {
      await open(out, 'r').then((existing) => existing.close());
      throw new CannotArchive(`${out} exists; archives are never overwritten. Choose another --out.`);
    } catch (err) {
      if (err instanceof CannotArchive) throw err;
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
        throw new CannotArchive(`cannot use ${out}: ${message(err)}`);
    }
    try {
      return new FileSink(out, await open(`${out}.partial`, 'wx'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
        throw new CannotArchive(
          `${out}.partial exists: an earlier run stopped before finishing it. It was never completed and nothing was ` +
            'removed from the store for it, so delete it and run again.',
        );
      }
      throw new CannotArchive(`cannot create ${out}.partial: ${message(err)}`);
    }
  }

  async write(stored: readonly string[]): Promise<void> {
    await this.handle!.write(stored.map((text) => `${text}\n`).join(''));
  }

  async commit(): Promise<void> {
    const handle = this.handle!;
    this.handle = undefined;
    await handle.sync();
    await handle.close();
    // link, unlike rename, refuses to replace a file someone created meanwhile.
    await link(this.partial, this.out);
    await unlink(this.partial);
  }

  /** Removes what was written when the run did not complete. */
  async discard(): Promise<void> {
    await this.handle?.close();
    this.handle = undefined;
    await rm(this.partial, { force: true });
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function summary(result: ArchiveResult, out: string, before: Date, where: string): string {
  const leftOver = result.pruneError
    ? `Warning: removing the archived events from the store failed (${result.pruneError}). Search and verification ` +
      'already ignore them; the next audit:archive run removes them.\n'
    : '';
  const earlier = result.finishedEarlierRun
    ? 'An earlier run had stopped before removing the events it archived; they are removed now.\n'
    : '';
  if (result.archived === 0) {
    return `${earlier}Nothing to archive: no event in ${where} was recorded before ${before.toISOString().slice(0, 10)}. No file was written.\n`;
  }
  return (
    earlier +
    `Archived ${result.archived} event${result.archived === 1 ? '' : 's'} (${result.from}–${result.through}, recorded ` +
    `${result.firstRecorded} to ${result.lastRecorded}) from ${where} to ${out}.\n` +
    `The store's chain now starts after event ${result.through}, whose hash is ${result.hash}.\n` +
    'Keep the file with your audit records (it is the only copy of these events), and check it with\n' +
    `  npm run -s audit:verify -- --archive ${out}\n` +
    leftOver
  );
}

/** Runs the archive; resolves to the exit code (0 archived or nothing to do, 1 refused, 2 could not archive). */
export async function main(argv: string[], io: AuditArchiveIo = processIo): Promise<number> {
  let sink: FileSink | undefined;
  let out: string | undefined;
  try {
    const options = parseOptions(argv, (io.now ?? (() => new Date()))(), io.env);
    if (options === 'help') {
      io.stdout(USAGE);
      return 0;
    }
    out = options.out;
    let config: LloydConfig;
    try {
      config = loadConfig(io.env ? { env: io.env } : {});
    } catch (err) {
      throw new CannotArchive(message(err));
    }
    if (!config.store.redisUrl) {
      throw new CannotArchive(
        'REDIS_URL is not set. The in-process store (npm start) keeps the audit trail only inside the running Lloyd ' +
          'and loses it when Lloyd stops, so there is nothing durable to archive. Set REDIS_URL to the Redis your ' +
          'gateways use.',
      );
    }
    const where = `Redis (${redactRedisUrl(config.store.redisUrl)})`;
    let stores;
    try {
      stores = await createStores(config);
    } catch (err) {
      throw new CannotArchive(`${message(err)} audit:archive needs the Redis your gateways use.`);
    }
    try {
      sink = await FileSink.create(options.out);
      const result = await new AuditArchive(stores.kv).archive({
        before: options.before,
        sink,
        onProgress: (archived, lastRecorded) =>
          io.stderr(`audit:archive: ${archived} events written (recorded up to ${lastRecorded})\n`),
      });
      if (result.archived === 0) await sink.discard();
      sink = undefined;
      io.stdout(summary(result, options.out, options.before, where));
      return 0;
    } finally {
      await stores.close();
    }
  } catch (err) {
    if (err instanceof AuditChainBrokenError) {
      await sink?.discard();
      io.stderr(
        `audit:archive: nothing archived: ${err.message}.\n` +
          'Run npm run -s audit:verify for the full report, keep the store as it is for investigation and report it ' +
          'to your information-governance lead.\n',
      );
      return 1;
    }
    if (err instanceof ArchiveNotRecordedError && out !== undefined) {
      // The file was complete, but the store did not record it: its events are still in the store (or in the other
      // run's archive), so keeping it would archive them twice.
      await rm(out, { force: true });
      io.stderr(`audit:archive: nothing archived: ${err.message}. ${out} was removed; run again.\n`);
      return err.conflict ? 1 : 2;
    }
    await sink?.discard();
    if (err instanceof CannotArchive) {
      io.stderr(`audit:archive: ${err.message}\n${err.showUsage ? `\n${USAGE}` : ''}`);
      return 2;
    }
    io.stderr(
      `audit:archive: the archive could not be made: ${message(err)}\nNothing was removed from the store; run again.\n`,
    );
    return 2;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  exitQuietlyWhenStdoutCloses();
  process.exitCode = await main(process.argv.slice(2));
}
