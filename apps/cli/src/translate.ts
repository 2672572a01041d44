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
import { open, readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { convertStructuredRecord, convertStu3BundleToR4Bundle } from '@lloyd/adapter-fhir-stu3';
import type { CanonicalRecord } from '@lloyd/adapters-core';
import { buildEhrExtract, translateExtractToBundle } from '@lloyd/hl7v3';
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
    const kind = await sniff(file);
    if (kind === 'xml') {
      const bundle = await translateExtractToBundle(createReadStream(file));
      io.stdout(`${JSON.stringify(bundle, null, 2)}\n`);
      return 0;
    }
    const bundle = JSON.parse(await readFile(file, 'utf8')) as { resourceType?: string };
    if (bundle.resourceType !== 'Bundle')
      throw new Error(`${file} is JSON but not a FHIR Bundle (resourceType "${bundle.resourceType ?? ''}")`);
    const stu3 = isStu3(bundle as fhir4.Bundle);
    if (to === 'r4') {
      if (!stu3) throw new Error(`${file} is already FHIR R4; --to r4 translates GP Connect STU3 records`);
      io.stdout(`${JSON.stringify(convertStu3BundleToR4Bundle(bundle), null, 2)}\n`);
      return 0;
    }
    const record = stu3 ? convertStructuredRecord(bundle, {}) : recordFromR4Bundle(bundle as fhir4.Bundle);
    const xml = buildEhrExtract(record, {
      messageId: randomUUID().toUpperCase(),
      conversationId: randomUUID().toUpperCase(),
      fromAsid: '000000000000',
      toAsid: '000000000000',
      toOds,
      onSkipped: (resource, reason) =>
        io.stderr(`translate: ${resource.resourceType}/${resource.id ?? ''} not carried: ${String(reason)}\n`),
    });
    io.stdout(xml.endsWith('\n') ? xml : `${xml}\n`);
    return 0;
  } catch (err) {
    io.stderr(`translate: ${file}: ${(err as Error).message}\n`);
    return 1;
  }
}

async function sniff(file: string): Promise<'xml' | 'json'> {
  const handle = await open(file, 'r').catch((err: NodeJS.ErrnoException) => {
    throw new Error(err.code === 'ENOENT' ? 'no such file' : err.message);
  });
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(512), 0, 512, 0);
    const head = buffer
      .subarray(0, bytesRead)
      .toString('utf8')
      .replace(/^\uFEFF/, '')
      .trimStart();
    if (head.startsWith('<')) return 'xml';
    if (head.startsWith('{')) return 'json';
    throw new Error('neither XML (an HL7 V3 EHR extract) nor JSON (a FHIR Bundle)');
  } finally {
    await handle.close();
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
