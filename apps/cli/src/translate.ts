/**
 * `npm run -s translate -- FILE [--to r4|extract] [--to-ods ODS]`: Lloyd's format translations as a tool.
 *
 * - an HL7 V3 EHR extract (RCMR_IN030000UK06/UK07, XML) → a FHIR R4 collection Bundle (JSON);
 * - a FHIR Bundle, a GP Connect STU3 structured record or an R4 record → an HL7 V3 EHR extract (XML), or with
 *   `--to r4` the STU3 record translated to R4.
 *
 * The answer goes to stdout; errors go to stderr with exit code 1 (2 for usage errors).
 */
import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { convertStructuredRecord, convertStu3BundleToR4Bundle } from '@lloyd/adapter-fhir-stu3';
import {
  DEFAULT_XML_LIMITS,
  XmlSafetyError,
  buildEhrExtract,
  parseEhrExtract,
  readRootElement,
  recordToBundle,
} from '@lloyd/hl7v3';
import { exitQuietlyWhenStdoutCloses, userDirectory, userPath } from './cli-support.js';
import {
  ACCEPTED,
  EXTRACT_ROOTS,
  NO_PRACTICE_ADVICE,
  asBundle,
  isStu3,
  notAnExtract,
  recordFromR4Bundle,
  requirePatient,
} from './translate-bundle.js';

export interface TranslateIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Environment (INIT_CWD: where relative paths are taken from); defaults to the process environment. */
  env?: NodeJS.ProcessEnv;
}

const processIo: TranslateIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

const USAGE = `Usage: npm run -s translate -- FILE [--to r4|extract] [--to-ods ODS]
  FILE        an HL7 V3 EHR extract (XML) or a FHIR Bundle (JSON: GP Connect STU3 structured record, or R4)
  --to        for a FHIR Bundle: extract (default, an HL7 V3 EHR extract) or r4 (an STU3 record translated to R4)
  --to-ods    the receiving practice named in a built extract (default X26)
`;

class UsageError extends Error {}

/** Lloyd's own limit on the XML it reads; a JSON file is read whole, so it gets one well inside V8's string limit. */
const MAX_XML_BYTES = DEFAULT_XML_LIMITS.maxBytes;
const MAX_JSON_BYTES = 256 * 1024 * 1024;
const ODS_CODE = /^[A-Z0-9]{3,10}$/;

interface Options {
  file: string;
  /** What was given with --to, if anything. */
  to?: 'extract' | 'r4';
  toOds?: string;
}

function parseOptions(argv: string[], env: NodeJS.ProcessEnv | undefined): Options | 'help' {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { to: { type: 'string' }, 'to-ods': { type: 'string' }, help: { type: 'boolean' } },
  });
  if (values.help) return 'help';
  if (positionals.length !== 1) throw new UsageError('give exactly one FILE');
  const { to, 'to-ods': toOds } = values;
  if (to !== undefined && to !== 'extract' && to !== 'r4') {
    throw new UsageError(`--to must be extract or r4, not "${to}"`);
  }
  if (toOds !== undefined && !ODS_CODE.test(toOds)) {
    throw new UsageError(`--to-ods must be an ODS code (3-10 upper-case letters or digits), not "${toOds}"`);
  }
  if (toOds !== undefined && to === 'r4') {
    throw new UsageError('--to-ods names the receiving practice of an EHR extract; --to r4 builds none: leave one out');
  }
  return { file: userPath(positionals[0]!, env), ...(to ? { to } : {}), ...(toOds ? { toOds } : {}) };
}

export async function main(argv: string[], io: TranslateIo = processIo): Promise<number> {
  let options: Options;
  try {
    const parsed = parseOptions(argv, io.env);
    if (parsed === 'help') {
      io.stdout(USAGE);
      return 0;
    }
    options = parsed;
  } catch (err) {
    io.stderr(`translate: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const { file } = options;
  try {
    const input = await readInput(file, io.env);
    if (input.kind === 'xml') {
      if (options.to === 'extract' || options.toOds !== undefined) {
        throw new Error(
          `is an HL7 V3 EHR extract already: translate turns it into FHIR R4, and --to extract and --to-ods apply ` +
            'only to a FHIR Bundle. Leave them out.',
        );
      }
      io.stdout(`${JSON.stringify(await extractToBundle(file), null, 2)}\n`);
      return 0;
    }
    io.stdout(translateBundle(asBundle(input.value), options, io));
    return 0;
  } catch (err) {
    io.stderr(`translate: ${file}: ${explain(err)}\n`);
    return 1;
  }
}

/** A FHIR Bundle as an EHR extract, or with --to r4 an STU3 record as R4; the text for stdout. */
function translateBundle(bundle: fhir4.Bundle, options: Options, io: TranslateIo): string {
  const stu3 = isStu3(bundle);
  requirePatient(bundle);
  if (options.to === 'r4') {
    if (!stu3) throw new Error('it is already FHIR R4; --to r4 translates GP Connect STU3 records');
    return `${JSON.stringify(convertStu3BundleToR4Bundle(bundle), null, 2)}\n`;
  }
  const record = stu3 ? convertStructuredRecord(bundle, {}) : recordFromR4Bundle(bundle);
  const xml = buildEhrExtract(record, {
    messageId: randomUUID().toUpperCase(),
    conversationId: randomUUID().toUpperCase(),
    fromAsid: '000000000000',
    toAsid: '000000000000',
    toOds: options.toOds ?? 'X26',
    onSkipped: (resource, reason) =>
      io.stderr(`translate: ${resource.resourceType}/${resource.id ?? ''} not carried: ${String(reason)}\n`),
    onPartNotCarried: (resource, part) =>
      io.stderr(
        `translate: ${resource.resourceType}/${resource.id ?? ''} carried without its ${part.kind} (${part.detail})\n`,
      ),
  });
  return xml.endsWith('\n') ? xml : `${xml}\n`;
}

type Input = { kind: 'xml' } | { kind: 'json'; value: unknown };

/** Opens the file and tells XML from JSON by the first character; JSON is parsed here, XML is streamed later. */
async function readInput(file: string, env: NodeJS.ProcessEnv | undefined): Promise<Input> {
  const info = await stat(file).catch((err: NodeJS.ErrnoException) => {
    throw new Error(unreadable(file, err, env));
  });
  if (info.isDirectory()) {
    throw new Error(
      'is a directory, not a file: give the path of one file in it (an EHR extract .xml or a FHIR Bundle .json).',
    );
  }
  if (!info.isFile()) {
    throw new Error(
      'is not a file on disk (a pipe, such as piped input, or a device): translate reads a file. Save the input ' +
        'to a file and give its path.',
    );
  }
  const head = await readHead(file, env);
  if (head === '') throw new Error(`is empty. ${ACCEPTED}`);
  const xml = head.startsWith('<');
  const limit = xml ? MAX_XML_BYTES : MAX_JSON_BYTES;
  if (info.size > limit) throw new Error(tooLarge(info.size, limit, xml ? 'an XML' : 'a JSON'));
  if (xml) return { kind: 'xml' };
  const text = (await readFile(file, 'utf8')).replace(/^\uFEFF/, '');
  try {
    return { kind: 'json', value: JSON.parse(text) as unknown };
  } catch (err) {
    if (head.startsWith('{') || head.startsWith('[')) throw new Error(invalidJson(text, err as Error), { cause: err });
    throw new Error(`is neither XML nor JSON (it starts with "${head.slice(0, 20)}"). ${ACCEPTED}`, { cause: err });
  }
}

/** The file's first characters, without a byte-order mark or leading white space. */
async function readHead(file: string, env: NodeJS.ProcessEnv | undefined): Promise<string> {
  const handle = await open(file, 'r').catch((err: NodeJS.ErrnoException) => {
    throw new Error(unreadable(file, err, env));
  });
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(512), 0, 512, 0);
    return buffer
      .subarray(0, bytesRead)
      .toString('utf8')
      .replace(/^\uFEFF/, '')
      .trimStart();
  } finally {
    await handle.close();
  }
}

const megabytes = (bytes: number) => `${Math.round(bytes / (1024 * 1024))} MB`;

function tooLarge(size: number, limit: number, kind: string): string {
  return (
    `is ${megabytes(size)}, larger than the ${megabytes(limit)} of ${kind} file Lloyd accepts, so translate does ` +
    'not read it. No GP2GP record is this large: check that this is the file you meant.'
  );
}

function unreadable(file: string, err: NodeJS.ErrnoException, env: NodeJS.ProcessEnv | undefined): string {
  if (err.code === 'ENOENT' || err.code === 'ENOTDIR') {
    return `no such file (looked for ${file}). Check the path; a relative path is taken from ${userDirectory(env)}.`;
  }
  if (err.code === 'EACCES' || err.code === 'EPERM') {
    return "cannot be read: permission denied. Check the file's permissions, or copy it somewhere readable.";
  }
  return `cannot be read (${err.code ?? err.message}).`;
}

/** Says where the JSON breaks (line and column), and whether the file just stops (cut short). */
function invalidJson(text: string, err: Error): string {
  const detail = err.message
    .replace(/\s*\(line \d+ column \d+\)$/, '')
    .replace(/\s*in JSON at position \d+.*$/s, '')
    .replace(/, (?:\.\.\.)?".*" is not valid JSON$/s, '');
  const offset = firstJsonError(text);
  const lineColumn = (at: number) => {
    const before = text.slice(0, at).split('\n');
    return `line ${before.length}, column ${before.at(-1)!.length + 1}`;
  };
  if (offset === undefined) return `is not valid JSON: ${detail}. Correct the JSON, or export the FHIR Bundle again.`;
  if (offset >= text.length) {
    const last = text.trimEnd().length - 1;
    return (
      `is not valid JSON: it stops in the middle of the JSON, after ${lineColumn(Math.max(last, 0))}, so the file ` +
      'looks cut short. Copy or export the whole FHIR Bundle again.'
    );
  }
  return (
    `is not valid JSON: ${detail} at ${lineColumn(offset)}. Correct the JSON there, or export the FHIR Bundle ` +
    'again.'
  );
}

const JSON_NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/**
 * The offset of the first character that breaks the JSON grammar (the text's length when it ends early), since
 * Node 20's JSON.parse names no position for most errors. Undefined when the text is too deeply nested to scan.
 */
function firstJsonError(text: string): number | undefined {
  let i = 0;
  function fail(): never {
    throw new JsonBreak(i);
  }
  const space = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const expect = (char: string) => {
    if (text[i] !== char) fail();
    i++;
  };
  const string = () => {
    expect('"');
    for (;;) {
      const c = text[i];
      if (c === undefined || c < ' ') fail();
      i++;
      if (c === '"') return;
      if (c !== '\\') continue;
      const escape = text[i];
      if (escape === 'u') {
        i++;
        for (let n = 0; n < 4; n++) {
          if (!/[0-9a-fA-F]/.test(text[i] ?? '')) fail();
          i++;
        }
      } else if (escape !== undefined && '"\\/bfnrt'.includes(escape)) i++;
      else fail();
    }
  };
  const value = (): void => {
    space();
    const c = text[i];
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      i++;
      space();
      if (text[i] === close) {
        i++;
        return;
      }
      for (;;) {
        if (close === '}') {
          space();
          string();
          space();
          expect(':');
        }
        value();
        space();
        if (text[i] === ',') i++;
        else return expect(close);
      }
    }
    if (c === '"') return string();
    for (const word of ['true', 'false', 'null']) {
      if (c === word[0]) {
        for (const w of word) expect(w);
        return;
      }
    }
    JSON_NUMBER.lastIndex = i;
    const number = JSON_NUMBER.exec(text);
    if (!number) fail();
    i += number[0].length;
  };
  try {
    value();
    space();
    if (i < text.length) fail();
    return undefined;
  } catch (err) {
    if (err instanceof JsonBreak) return err.offset;
    return undefined;
  }
}

class JsonBreak extends Error {
  constructor(readonly offset: number) {
    super(`JSON breaks at offset ${offset}`);
  }
}

/**
 * An EHR extract as an R4 Bundle. The root element is read first (only as far as it), so another document is refused
 * by name before it is parsed; an extract that names no patient is refused after parsing, instead of becoming a
 * Bundle with an empty Patient.
 */
async function extractToBundle(file: string): Promise<fhir4.Bundle> {
  const root = await readRootElement(createReadStream(file));
  if (!EXTRACT_ROOTS.includes(root)) throw new Error(`${notAnExtract(root)} ${ACCEPTED}`);
  const { header, record } = await parseEhrExtract(createReadStream(file));
  if (!header.nhsNumber) {
    const empty = record.resources.length === 0 ? ' and holds no record items' : '';
    throw new Error(
      `is an EHR extract (<${root}>) but names no patient: it has no EhrExtract/recordTarget/patient/id with the ` +
        `patient's NHS number${empty}. An EHR extract always names its patient; check that the file is a complete ` +
        'extract.',
    );
  }
  return recordToBundle(record);
}

/** The STU3 converter's refusals with what to do next. */
function withAdvice(message: string): string {
  return /no Organization for the registered practice/.test(message) && !message.includes(NO_PRACTICE_ADVICE)
    ? `${message}. ${NO_PRACTICE_ADVICE}`
    : message;
}

/** An error as one line for the user: the XML reader's refusals with advice that fits a file on disk. */
function explain(err: unknown): string {
  if (!(err instanceof XmlSafetyError)) return withAdvice(err instanceof Error ? err.message : String(err));
  // The reader's message is written for a message received; a file on disk gets advice of its own, from the facts.
  const { line, column, problem, bytesRead } = err.facts;
  const at = line !== undefined && column !== undefined ? `line ${line}, column ${column}` : undefined;
  switch (err.violation) {
    case 'malformed':
      return (
        `is not well-formed XML${at ? ` at ${at}` : ''}${problem ? `: ${problem}` : ''}. Correct the file (or ask ` +
        'whoever produced it for a well-formed copy); translate takes an HL7 V3 EHR extract.'
      );
    case 'doctype':
      return (
        `declares a DOCTYPE${at ? ` (${at})` : ''}, which Lloyd refuses: entities are never expanded, and GP2GP ` +
        'messages have none. Remove the DOCTYPE declaration and translate again.'
      );
    case 'truncated':
      return (
        'is not a whole XML document: it ends before its root element is closed' +
        `${bytesRead !== undefined ? ` (${bytesRead} bytes read)` : ''}. The file looks cut short: copy or export it ` +
        'again in full.'
      );
    case 'depth':
    case 'attribute-count':
    case 'attribute-length':
    case 'text-length':
    case 'token-length':
    case 'total-bytes':
      // A size limit: the reader asks the sender to correct the message; a file on disk gets advice of its own.
      return (
        `${err.message.replace(/\s*Ask the sender.*$/s, '')} That is beyond the limits Lloyd applies to every ` +
        'GP2GP message it reads, so translate cannot read the file: check that it is the extract you meant.'
      );
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  exitQuietlyWhenStdoutCloses();
  process.exitCode = await main(process.argv.slice(2));
}
