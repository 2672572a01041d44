import { readdirSync, readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { r4Errors } from '@lloyd/adapters-core-testing';
import { describeWithSharedData, sharedDataPath } from '@lloyd/test-support';
import { parseEhrExtract } from './extract/parse-ehr-extract.js';
import { recordToBundle } from './extract/translate-bundle.js';
import { parseCopc } from './messages/copc.js';
import { parseAttachmentDescription } from './large-message/attachment-description.js';
import { externalAttachments, parseEbxml, type EbxmlEnvelope } from './large-message/ebxml.js';
import { reassembleAttachment, reassembleFragments, type AttachmentPart } from './large-message/reassemble.js';
import { spliceSkeleton } from './large-message/skeleton.js';
import { foldedComments } from './testing/compare-records.js';

/**
 * The large-message transfers of the NHS receiving adaptor's integration tests, as its Spine message handler
 * delivered them (JSON: ebXML, HL7 payload, attachments). Each scenario is put back together the way the transfer
 * worker will do it: external attachments and fragments looked up by message id from the manifests, reassembled
 * in index order, a skeleton extract spliced, then parsed and compared with the adaptor's translation.
 */

interface SpineAttachment {
  content_type: string;
  is_base64: string;
  description: string;
  payload: string;
}

interface SpineMessage {
  ebXML: string;
  payload: string;
  attachments?: SpineAttachment[];
  external_attachments?: { message_id: string; description: string }[];
}

interface Received {
  message: SpineMessage;
  envelope: EbxmlEnvelope;
}

const SCENARIOS = sharedDataPath('gp2gp', 'large-messages');

function scenarioNames(): string[] {
  try {
    return readdirSync(SCENARIOS)
      .filter((d) => d.startsWith('Scenario_'))
      .sort();
  } catch {
    return [];
  }
}

async function load(dir: string): Promise<{ extract: Received; byMessageId: Map<string, Received> }> {
  const byMessageId = new Map<string, Received>();
  let extract: Received | undefined;
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json') && f !== 'expectedBundle.json')) {
    const message = JSON.parse(readFileSync(`${dir}/${file}`, 'utf8')) as SpineMessage;
    const received = { message, envelope: await parseEbxml(message.ebXML) };
    if (file === 'uk06.json') extract = received;
    else byMessageId.set(received.envelope.messageId!.toUpperCase(), received);
  }
  return { extract: extract!, byMessageId };
}

function part(attachment: SpineAttachment): AttachmentPart {
  const originalBase64 = parseAttachmentDescription(attachment.description).originalBase64 ?? false;
  return { content: attachment.payload, base64: attachment.is_base64 === 'true' || originalBase64 };
}

/** The content of an external (`mid:`) attachment: the COPC's own attachments, then the fragments it indexes. */
function externalContent(messageId: string, byMessageId: Map<string, Received>): Readable {
  const carrier = byMessageId.get(messageId.toUpperCase());
  if (!carrier) throw new Error(`COPC ${messageId} not received`);
  const fragments = externalAttachments(carrier.envelope).map((r) => r.target);
  const leading = (carrier.message.attachments ?? []).map(part);
  return reassembleFragments(
    fragments,
    (id) => {
      const fragment = byMessageId.get(id.toUpperCase());
      if (!fragment) throw new Error(`fragment ${id} not received`);
      return fragment.message.attachments!.map(part)[0]!;
    },
    { leading },
  );
}

async function bytes(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function counts(resources: readonly { resourceType: string }[], types: readonly string[]): Record<string, number> {
  return Object.fromEntries(types.map((t) => [t, resources.filter((r) => r.resourceType === t).length]));
}

describeWithSharedData('NHS large-message scenarios', () => {
  const scenarios = scenarioNames();

  it('finds the scenarios', () => {
    expect(scenarios.length).toBe(7);
  });

  it.each(scenarios)('%s reassembles, parses and matches the NHS adaptor per resource type', async (scenario) => {
    const dir = `${SCENARIOS}/${scenario}`;
    const { extract, byMessageId } = await load(dir);
    expect(extract.envelope.action).toBe('RCMR_IN030000UK06');

    let payload: string | Readable = extract.message.payload;
    const attachmentSizes: number[] = [];
    for (const reference of externalAttachments(extract.envelope)) {
      const content = externalContent(reference.target, byMessageId);
      if (reference.description.skeleton) payload = spliceSkeleton(payload, reference.id ?? reference.target, content);
      else attachmentSizes.push((await bytes(content)).length);
    }
    expect(attachmentSizes.every((size) => size > 0)).toBe(true);
    for (const inline of extract.message.attachments ?? []) {
      expect((await bytes(reassembleAttachment([part(inline)]))).length).toBeGreaterThan(0);
    }
    for (const carrier of byMessageId.values()) {
      expect((await parseCopc(carrier.message.payload)).kind).toBe('fragment');
    }

    const { record } = await parseEhrExtract(payload);
    const resources = recordToBundle(record).entry!.map((e) => e.resource!);
    const problems: string[] = [];
    for (const r of resources)
      for (const e of await r4Errors(r)) problems.push(`${r.resourceType}/${r.id}: ${e.message}`);
    expect(problems).toEqual([]);

    const expected = JSON.parse(readFileSync(`${dir}/expectedBundle.json`, 'utf8')) as {
      entry: { resource: { resourceType: string } }[];
    };
    const types = [
      'Encounter',
      'Observation',
      'DocumentReference',
      'AllergyIntolerance',
      'Condition',
      'MedicationRequest',
    ];
    const ours = counts(record.resources, types);
    // The NHS adaptor makes each comment inside a battery its own "Comment note" Observation; Lloyd keeps those
    // comments as notes of the battery's Observation. Counted back in, the numbers must agree exactly.
    ours['Observation'] = ours['Observation']! + foldedComments(record.resources);
    expect(ours).toEqual(
      counts(
        expected.entry.map((e) => e.resource),
        types,
      ),
    );
  });

  it('reassembles the attachments to their real content (text, video, TIFF, gzip)', async () => {
    const content = async (scenario: string): Promise<Buffer> => {
      const { extract, byMessageId } = await load(`${SCENARIOS}/${scenario}`);
      const reference = externalAttachments(extract.envelope)[0]!;
      return bytes(externalContent(reference.target, byMessageId));
    };
    const book = await content('Scenario_4');
    expect(book.toString('utf8')).toMatch(/^\s*WAR AND PEACE/);
    const lastFragment = JSON.parse(readFileSync(`${SCENARIOS}/Scenario_4/copc1.json`, 'utf8')) as SpineMessage;
    expect(book.subarray(book.length - 1000)).toEqual(
      Buffer.from(lastFragment.attachments![0]!.payload, 'base64').subarray(-1000),
    );
    expect((await content('Scenario_3')).subarray(4, 8).toString('latin1')).toBe('ftyp');
    expect((await content('Scenario_6')).subarray(0, 4)).toEqual(Buffer.from([0x49, 0x49, 0x2a, 0x00]));
    const { extract } = await load(`${SCENARIOS}/Scenario_2`);
    const gzipped = await bytes(reassembleAttachment([part(extract.message.attachments![0]!)]));
    expect(gzipped.toString('utf8')).toMatch(/^There must be some kind of way outta here/);
  });
});
