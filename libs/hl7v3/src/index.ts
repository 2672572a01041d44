// Safe streaming XML
export { XmlSafetyError, type XmlSafetyFacts, type XmlSafetyViolation } from './xml/xml-safety-error.js';
export { DEFAULT_XML_LIMITS, type XmlLimits } from './xml/xml-limits.js';
export { SafeXmlReader, readXml, localName, type XmlEventHandler } from './xml/safe-xml-reader.js';
export type { XmlSource } from './xml/xml-source.js';
export { XmlWriter, escapeAttribute, escapeText, type XmlAttributes } from './xml/xml-writer.js';

// Data types and code systems
export {
  OIDS,
  DEGRADED_CODES,
  isDegradedCode,
  oidForSystem,
  systemForOid,
  type DegradedKind,
} from './datatypes/code-systems.js';
export { fhirToTs, tsToFhir } from './datatypes/timestamp.js';
export { DEGRADED_EXTENSION, isDegraded } from './datatypes/codeable-concept.js';

// EHR extract → canonical record
export {
  parseEhrExtract,
  type ExtractHeader,
  type ParseEhrExtractOptions,
  type ParsedEhrExtract,
} from './extract/parse-ehr-extract.js';
export type { ExtractStats } from './extract/parse-context.js';
export { recordToBundle, translateExtractToBundle } from './extract/translate-bundle.js';
export { benchParse } from './extract/bench.js';
export { NHS_NUMBER_SYSTEM, ODS_SYSTEM } from './extract/finalize-record.js';
export { SDS_USER_ID_SYSTEM } from './extract/agent-directory.js';
export { COMMENT_NOTE_CODE, DOCUMENT_ID_SYSTEM } from './extract/statements/narrative.js';

// Canonical record → EHR extract
export {
  buildEhrExtract,
  ehrExtractChunks,
  streamEhrExtract,
  type BuildEhrExtractOptions,
} from './build/build-ehr-extract.js';
export type { ExtractInteraction, PartNotCarried, SkipReason } from './build/build-context.js';

// The other GP2GP interactions
export type { MessageHeader } from './messages/message-header.js';
export {
  EHR_REQUEST_INTERACTION,
  buildEhrRequest,
  parseEhrRequest,
  type EhrRequest,
  type EhrRequestInput,
} from './messages/ehr-request.js';
export {
  ACKNOWLEDGEMENT_INTERACTION,
  buildAcknowledgement,
  parseAcknowledgement,
  type Acknowledgement,
  type AcknowledgementInput,
  type AcknowledgementType,
} from './messages/acknowledgement.js';
export { GP2GP_REASON_CODES, isGp2gpReasonCode, type Gp2gpReasonCode } from './messages/reason-codes.js';
export {
  COPC_INTERACTION,
  CONTINUE_SUBJECT,
  buildCopcContinue,
  buildCopcFragment,
  parseCopc,
  type CopcContinueInput,
  type CopcFragmentInput,
  type ParsedCopc,
} from './messages/copc.js';
export { messageKind, readRootElement, type Gp2gpMessageKind } from './messages/detect-interaction.js';

// Large messages
export {
  formatAttachmentDescription,
  parseAttachmentDescription,
  type AttachmentDescription,
} from './large-message/attachment-description.js';
export {
  externalAttachments,
  parseEbxml,
  sameDocumentId,
  type EbxmlEnvelope,
  type ManifestReference,
} from './large-message/ebxml.js';
export {
  ReassemblyError,
  fragmentOrder,
  reassembleAttachment,
  reassembleFragments,
  type AttachmentPart,
  type ReassembleOptions,
} from './large-message/reassemble.js';
export { spliceSkeleton } from './large-message/skeleton.js';
