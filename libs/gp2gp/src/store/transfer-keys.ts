import type { TransferState } from '../model/transfer-state.js';

/** Key layout of GP2GP transfers in the KeyValueStore. Index keys hold `1`; their presence is the index. */
export const transferKeys = {
  transfer: (id: string) => `gp2gp:transfer:${id}`,
  transferPrefix: 'gp2gp:transfer:',
  byState: (state: TransferState, id = '') => `gp2gp:idx:state:${state}:${id}`,
  byReceiver: (toOds: string, id = '') => `gp2gp:idx:to:${toOds}:${id}`,
  /** By the London calendar day the transfer was requested on, for the MI report. */
  byDay: (day: string, id = '') => `gp2gp:idx:day:${day}:${id}`,
  dayPrefix: 'gp2gp:idx:day:',
  /** The one open transfer of a patient, into whichever practice (a repeated request resolves to it). */
  open: (nhsNumber: string) => `gp2gp:open-patient:${nhsNumber}`,
  /** Held by the worker running a step, renewed while it runs. */
  lease: (id: string, step: string) => `gp2gp:lease:${id}:${step}`,
} as const;

/** Blob keys of one transfer's payloads: never in job payloads, never whole in memory. */
export const transferBlobs = {
  ehrRequest: (id: string) => `gp2gp/${id}/ehr-request.xml`,
  requestAck: (id: string) => `gp2gp/${id}/request-ack.xml`,
  /** The extract as the sender produced it (the HL7 payload). */
  senderExtract: (id: string) => `gp2gp/${id}/sender/extract.xml`,
  /** Part `part` of attachment `attachment`, as the sender cut it for large messaging (the COPC's MIME part). */
  fragment: (id: string, attachment: number, part: number) => `gp2gp/${id}/fragments/${attachment}-${part}`,
  /** The core message (the extract, or for a large message the core that references the fragments). */
  inboundCore: (id: string) => `gp2gp/${id}/inbound/core.xml`,
  continue: (id: string) => `gp2gp/${id}/continue.xml`,
  /** A COPC fragment as it arrived on the receiving side. */
  inboundFragment: (id: string, index: number) => `gp2gp/${id}/inbound/copc-${index}.xml`,
  fragmentAck: (id: string, index: number) => `gp2gp/${id}/inbound/copc-${index}-ack.xml`,
  /** The whole extract on the receiving side, decompressed when it travelled as a skeleton attachment. */
  extract: (id: string) => `gp2gp/${id}/extract.xml`,
  /** A negative acknowledgement of a duplicate extract (reason 12). */
  duplicateNack: (id: string, messageId: string) => `gp2gp/${id}/duplicate-nack-${messageId}.xml`,
  /** The translated canonical record (JSON) handed to the receiving system. */
  translated: (id: string) => `gp2gp/${id}/translated.json`,
  integrationNote: (id: string) => `gp2gp/${id}/integration-note.json`,
  finalAck: (id: string) => `gp2gp/${id}/final-ack.xml`,
} as const;
