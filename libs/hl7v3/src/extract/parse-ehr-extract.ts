import type { CanonicalRecord } from '@lloyd/adapters-core';
import { OIDS } from '../datatypes/code-systems.js';
import { toFhirId } from '../datatypes/identifiers.js';
import { tsToFhir } from '../datatypes/timestamp.js';
import { readXml } from '../xml/safe-xml-reader.js';
import type { XmlLimits } from '../xml/xml-limits.js';
import type { XmlSource } from '../xml/xml-source.js';
import { attr, child, path, TreeBuilder, type XNode } from '../xml/xml-tree.js';
import { readAgentDirectory, type PracticeDetails } from './agent-directory.js';
import { finalizeRecord, type FinalizeOptions } from './finalize-record.js';
import { ParseContext, type ExtractStats } from './parse-context.js';
import { translateComposition } from './translate-composition.js';

/** Who sent the extract to whom, and which messages it belongs to. Fields are absent when the input lacks them. */
export interface ExtractHeader {
  /** The root element: `RCMR_IN030000UK06`, `RCMR_IN030000UK07`, or `EhrExtract`/`ehrComposition` for a bare payload. */
  root: string;
  messageId?: string;
  creationTime?: string;
  fromAsid?: string;
  toAsid?: string;
  extractId?: string;
  availabilityTime?: string;
  nhsNumber?: string;
  /** The sending practice (the extract's author). */
  fromOds?: string;
  /** The requesting practice (the extract's destination). */
  toOds?: string;
  /** The EHR request this extract answers. */
  ehrRequestId?: string;
}

export interface ParsedEhrExtract {
  header: ExtractHeader;
  record: CanonicalRecord;
  stats: ExtractStats;
}

export interface ParseEhrExtractOptions extends FinalizeOptions {
  /** XML safety caps; see `DEFAULT_XML_LIMITS`. */
  limits?: Partial<XmlLimits>;
}

function odsOf(node: XNode | undefined): string | undefined {
  const id = path(node, 'AgentOrgSDS', 'agentOrganizationSDS', 'id');
  return attr(id, 'nullFlavor') ? undefined : attr(id, 'extension')?.trim();
}

function readExtractParties(extract: XNode, ctx: ParseContext, header: ExtractHeader): void {
  const patientId = child(path(extract, 'recordTarget', 'patient'), 'id');
  const nhsNumber = attr(patientId, 'extension')?.trim();
  if (nhsNumber) {
    header.nhsNumber = nhsNumber;
    ctx.patientId = toFhirId(nhsNumber) ?? 'patient';
  }
  const from = odsOf(child(extract, 'author'));
  const to = odsOf(child(extract, 'destination'));
  if (from) {
    header.fromOds = from;
    ctx.practiceOds = from;
    ctx.practiceId = toFhirId(from) ?? 'practice';
  }
  if (to) header.toOds = to;
  const extractId = attr(child(extract, 'id'), 'root');
  if (extractId) header.extractId = extractId;
  const available = tsToFhir(attr(child(extract, 'availabilityTime'), 'value'));
  if (available) header.availabilityTime = available;
}

function readMessageHeader(message: XNode, header: ExtractHeader): void {
  const id = attr(child(message, 'id'), 'root');
  if (id) header.messageId = id;
  const created = tsToFhir(attr(child(message, 'creationTime'), 'value'));
  if (created) header.creationTime = created;
  const asid = (fn: string): string | undefined => {
    const device = path(message, fn, 'device', 'id');
    return attr(device, 'root') === OIDS.asid ? attr(device, 'extension') : undefined;
  };
  const to = asid('communicationFunctionRcv');
  const from = asid('communicationFunctionSnd');
  if (to) header.toAsid = to;
  if (from) header.fromAsid = from;
}

/**
 * Parses an EHR extract (`RCMR_IN030000UK06`/`UK07`, or a bare `EhrExtract` or `ehrComposition` payload) into
 * Lloyd's canonical record, streaming: each composition is translated as soon as it is complete and then dropped,
 * so besides the output only one composition is held. Parsing is lenient — unknown elements and missing optional
 * parts are skipped and counted in `stats.skipped` — but XML safety caps are strict: a refused document rejects with
 * `XmlSafetyError` and returns nothing.
 */
export async function parseEhrExtract(
  source: XmlSource,
  options: ParseEhrExtractOptions = {},
): Promise<ParsedEhrExtract> {
  const ctx = new ParseContext();
  const header: ExtractHeader = { root: '' };
  let practice: PracticeDetails = {};
  let partiesRead = false;

  const ensureParties = (ancestors: readonly XNode[]): void => {
    if (partiesRead) return;
    partiesRead = true;
    const extract = ancestors.find((a) => a.name === 'EhrExtract');
    if (extract) readExtractParties(extract, ctx, header);
  };

  const builder = new TreeBuilder(
    (node, ancestors) =>
      node.name === 'ehrComposition' ||
      node.name === 'agentDirectory' ||
      // The emptied wrapper of a translated composition is dropped too, so nothing accumulates per composition.
      (node.name === 'component' &&
        node.children.length === 0 &&
        ancestors[ancestors.length - 1]?.name === 'ehrFolder'),
    (node, ancestors) => {
      if (node.name === 'component') return;
      ensureParties(ancestors);
      if (node.name === 'agentDirectory') practice = { ...readAgentDirectory(ctx, node), ...practice };
      else translateComposition(ctx, node);
    },
  );
  await readXml(source, builder, options.limits);

  const root = builder.documentElement;
  header.root = builder.rootName;
  const extract = root?.name === 'EhrExtract' ? root : path(root, 'ControlActEvent', 'subject', 'EhrExtract');
  if (root && root.name !== 'EhrExtract' && root.name !== 'ehrComposition') readMessageHeader(root, header);
  if (extract) {
    if (!partiesRead) readExtractParties(extract, ctx, header);
    const request = attr(path(extract, 'inFulfillmentOf', 'priorEhrRequest', 'id'), 'root');
    if (request) header.ehrRequestId = request;
  }
  const record = finalizeRecord(
    ctx,
    { practice, ...(header.nhsNumber ? { nhsNumber: header.nhsNumber } : {}) },
    { foldProblemEntries: options.foldProblemEntries ?? false },
  );
  return { header, record, stats: ctx.stats };
}
