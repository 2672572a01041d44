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
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { convertStructuredRecord, convertStu3BundleToR4Bundle } from '@lloyd/adapter-fhir-stu3';
import type { CanonicalRecord } from '@lloyd/adapters-core';
import {
  XmlSafetyError,
  buildEhrExtract,
  messageKind,
  parseEhrExtract,
  readRootElement,
  recordToBundle,
} from '@lloyd/hl7v3';
import { exitQuietlyWhenStdoutCloses } from './cli-support.js';

export interface TranslateIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
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

/** The roots of the XML documents translate reads: a GP2GP EHR extract message, or its EhrExtract payload alone. */
const EXTRACT_ROOTS = ['RCMR_IN030000UK06', 'RCMR_IN030000UK07', 'EhrExtract'];

const ACCEPTED =
  'translate takes an HL7 V3 EHR extract in XML (root RCMR_IN030000UK06 or RCMR_IN030000UK07, or the bare ' +
  'EhrExtract payload) or a FHIR Bundle in JSON (a GP Connect STU3 structured record, or an R4 record).';

export async function main(argv: string[], io: TranslateIo = processIo): Promise<number> {
  let file: string;
  let to: string;
  let toOds: string;
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { to: { type: 'string' }, 'to-ods': { type: 'string' }, help: { type: 'boolean' } },
    });
    if (values.help) {
      io.stdout(USAGE);
      return 0;
    }
    if (positionals.length !== 1) throw new UsageError('give exactly one FILE');
    file = positionals[0]!;
    to = values.to ?? 'extract';
    if (to !== 'extract' && to !== 'r4') throw new UsageError(`--to must be extract or r4, not "${to}"`);
    toOds = values['to-ods'] ?? 'X26';
  } catch (err) {
    io.stderr(`translate: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  try {
    const input = await readInput(file);
    if (input.kind === 'xml') {
      const bundle = await extractToBundle(file);
      io.stdout(`${JSON.stringify(bundle, null, 2)}\n`);
      return 0;
    }
    const bundle = asBundle(input.value);
    const stu3 = isStu3(bundle);
    if (to === 'r4') {
      if (!stu3) throw new Error('it is already FHIR R4; --to r4 translates GP Connect STU3 records');
      io.stdout(`${JSON.stringify(convertStu3BundleToR4Bundle(bundle), null, 2)}\n`);
      return 0;
    }
    const record = stu3 ? convertStructuredRecord(bundle, {}) : recordFromR4Bundle(bundle);
    const xml = buildEhrExtract(record, {
      messageId: randomUUID().toUpperCase(),
      conversationId: randomUUID().toUpperCase(),
      fromAsid: '000000000000',
      toAsid: '000000000000',
      toOds,
      onSkipped: (resource, reason) =>
        io.stderr(`translate: ${resource.resourceType}/${resource.id ?? ''} not carried: ${String(reason)}\n`),
      onPartNotCarried: (resource, part) =>
        io.stderr(
          `translate: ${resource.resourceType}/${resource.id ?? ''} carried without its ${part.kind} (${part.detail})\n`,
        ),
    });
    io.stdout(xml.endsWith('\n') ? xml : `${xml}\n`);
    return 0;
  } catch (err) {
    io.stderr(`translate: ${file}: ${explain(err)}\n`);
    return 1;
  }
}

type Input = { kind: 'xml' } | { kind: 'json'; value: unknown };

/** Opens the file and tells XML from JSON by the first character; JSON is parsed here, XML is streamed later. */
async function readInput(file: string): Promise<Input> {
  const info = await stat(file).catch((err: NodeJS.ErrnoException) => {
    throw new Error(unreadable(file, err));
  });
  if (info.isDirectory()) {
    throw new Error(
      'is a directory, not a file: give the path of one file in it (an EHR extract .xml or a FHIR Bundle .json).',
    );
  }
  const handle = await open(file, 'r').catch((err: NodeJS.ErrnoException) => {
    throw new Error(unreadable(file, err));
  });
  let head: string;
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(512), 0, 512, 0);
    head = buffer
      .subarray(0, bytesRead)
      .toString('utf8')
      .replace(/^\uFEFF/, '')
      .trimStart();
  } finally {
    await handle.close();
  }
  if (head === '') throw new Error(`is empty. ${ACCEPTED}`);
  if (head.startsWith('<')) return { kind: 'xml' };
  const text = (await readFile(file, 'utf8')).replace(/^\uFEFF/, '');
  try {
    return { kind: 'json', value: JSON.parse(text) as unknown };
  } catch (err) {
    if (head.startsWith('{') || head.startsWith('[')) throw new Error(invalidJson(text, err as Error), { cause: err });
    throw new Error(`is neither XML nor JSON (it starts with "${head.slice(0, 20)}"). ${ACCEPTED}`, { cause: err });
  }
}

function unreadable(file: string, err: NodeJS.ErrnoException): string {
  if (err.code === 'ENOENT' || err.code === 'ENOTDIR') {
    return `no such file (looked for ${resolve(file)}). Check the path; a relative path is taken from ${process.cwd()}.`;
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

/** The parsed JSON as a FHIR Bundle, or an error saying what it is instead. */
function asBundle(value: unknown): fhir4.Bundle {
  const isObject = typeof value === 'object' && value !== null && !Array.isArray(value);
  const resourceType = isObject ? (value as { resourceType?: unknown }).resourceType : undefined;
  if (resourceType === 'Bundle') return value as fhir4.Bundle;
  let found: string;
  if (Array.isArray(value)) found = 'an array';
  else if (!isObject) found = value === null ? 'null' : `a ${typeof value}`;
  else if ('ebXML' in value && 'payload' in value) {
    throw new Error(
      'is JSON, but a Spine message (an ebXML envelope and its payload), not a FHIR Bundle. Save its "payload" ' +
        '(an RCMR_IN030000UK06 EHR extract) as an .xml file and translate that.',
    );
  } else if (typeof resourceType === 'string') found = `a FHIR ${resourceType}`;
  else found = 'an object without a resourceType';
  throw new Error(
    `is JSON, but ${found}, not a FHIR Bundle (a GP Connect STU3 structured record or an R4 record). ${ACCEPTED}`,
  );
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

function notAnExtract(root: string): string {
  const what: Record<string, string> = {
    'ehr-request': ', a GP2GP EHR request, which asks for a record and holds none',
    acknowledgement: ', a GP2GP acknowledgement, which holds no record',
    copc: ', a GP2GP COPC common-content message (a large-message fragment or a "continue"), which is not an extract',
  };
  const kind = messageKind(root);
  const note =
    root === 'ehrComposition'
      ? ', one composition of an extract, which does not name the patient: translate the whole extract'
      : (what[kind] ?? '');
  return `is not an EHR extract: its root element is <${root}>${note}.`;
}

/** An error as one line for the user: the XML reader's refusals with advice that fits a file on disk. */
function explain(err: unknown): string {
  if (!(err instanceof XmlSafetyError)) return err instanceof Error ? err.message : String(err);
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
      // A size limit: the reader's own advice (correct the message, or raise the limit) fits.
      return err.message;
  }
}

/** GP Connect STU3 records name STU3 profiles, or use resource types that R4 dropped. */
function isStu3(bundle: fhir4.Bundle): boolean {
  const text = JSON.stringify(bundle.meta ?? {});
  if (text.includes('/STU3/')) return true;
  return (bundle.entry ?? []).some((e) => {
    const r = e.resource as { resourceType?: string; meta?: { profile?: string[] } } | undefined;
    return (
      ['ReferralRequest', 'ProcedureRequest'].includes(r?.resourceType ?? '') ||
      (r?.meta?.profile ?? []).some((p) => p.includes('/STU3/'))
    );
  });
}

const ADMIN = new Set(['Patient', 'Organization', 'Practitioner', 'PractitionerRole', 'List', 'OperationOutcome']);

/** An R4 record Bundle (for instance one Lloyd served) back into the canonical record the extract builder takes. */
export function recordFromR4Bundle(bundle: fhir4.Bundle): CanonicalRecord {
  const resources = (bundle.entry ?? []).map((e) => e.resource).filter((r): r is fhir4.Resource => Boolean(r));
  const patient = resources.find((r): r is fhir4.Patient => r.resourceType === 'Patient');
  if (!patient) throw new Error('the Bundle has no Patient');
  const organisations = resources.filter((r): r is fhir4.Organization => r.resourceType === 'Organization');
  const practiceRef =
    patient.managingOrganization?.reference ??
    patient.generalPractitioner?.find((g) => g.reference?.startsWith('Organization/'))?.reference;
  const practice = organisations.find((o) => `Organization/${o.id ?? ''}` === practiceRef) ?? organisations[0];
  if (!practice) throw new Error('the Bundle has no Organization for the registered practice');
  return {
    patient,
    practice,
    practitioners: resources.filter((r): r is fhir4.Practitioner => r.resourceType === 'Practitioner'),
    practitionerRoles: resources.filter((r): r is fhir4.PractitionerRole => r.resourceType === 'PractitionerRole'),
    resources: resources.filter((r) => !ADMIN.has(r.resourceType)),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  exitQuietlyWhenStdoutCloses();
  process.exitCode = await main(process.argv.slice(2));
}
