import { OIDS } from '../datatypes/code-systems.js';
import { nowTs } from '../datatypes/timestamp.js';
import { readXml } from '../xml/safe-xml-reader.js';
import type { XmlLimits } from '../xml/xml-limits.js';
import type { XmlSource } from '../xml/xml-source.js';
import { attr, child, path, TreeBuilder } from '../xml/xml-tree.js';
import { XmlWriter } from '../xml/xml-writer.js';
import { readMessageHeader, writeMessageEnd, writeMessageStart, type MessageHeader } from './message-header.js';
import { GP2GP_REASON_CODES, isGp2gpReasonCode } from './reason-codes.js';

export const ACKNOWLEDGEMENT_INTERACTION = 'MCCI_IN010000UK13';

/** AA: accepted; AE: application error; AR: rejected. */
export type AcknowledgementType = 'AA' | 'AE' | 'AR';

export interface Acknowledgement extends MessageHeader {
  typeCode: AcknowledgementType;
  /** The message being acknowledged (`acknowledgement/messageRef/id`). */
  acknowledgedMessageId: string;
  /** For AE/AR: the GP2GP reason code and its text. */
  reason?: { code: string; display: string };
}

export type AcknowledgementInput = Omit<Acknowledgement, 'creationTime' | 'reason'> & {
  creationTime?: string;
  /** A GP2GP reason code (`06`…`99`); its standard text is used unless `reasonText` is given. */
  reasonCode?: string;
  reasonText?: string;
};

/** Builds an application acknowledgement: positive (AA) or negative (AE/AR with a GP2GP reason code). */
export function buildAcknowledgement(input: AcknowledgementInput): string {
  const negative = input.typeCode !== 'AA';
  if (negative && !input.reasonCode)
    throw new Error('A negative acknowledgement needs a GP2GP reason code (reasonCode).');
  const code = input.reasonCode;
  const display =
    input.reasonText ?? (code && isGp2gpReasonCode(code) ? GP2GP_REASON_CODES[code] : 'Unexpected condition');
  const w = new XmlWriter();
  writeMessageStart(
    w,
    ACKNOWLEDGEMENT_INTERACTION,
    { ...input, creationTime: input.creationTime ?? nowTs() },
    {
      acknowledgement: (x) => {
        x.element('acknowledgement', { typeCode: input.typeCode }, () => {
          if (negative && code) {
            x.element('acknowledgementDetail', { typeCode: 'ER' }, () => {
              x.empty('code', { code, codeSystem: OIDS.gp2gpReason, displayName: display });
            });
          }
          x.element('messageRef', undefined, () => x.empty('id', { root: input.acknowledgedMessageId }));
        });
      },
    },
  );
  if (negative && code) {
    w.element('reason', { typeCode: 'RSON' }, () => {
      w.element('justifyingDetectedIssueEvent', { classCode: 'ALRT', moodCode: 'EVN' }, () => {
        w.element('code', { code, codeSystem: OIDS.gp2gpReason, displayName: display }, () => {
          w.element('qualifier', { inverted: 'false' }, () => {
            w.empty('value', { code: 'ER', codeSystem: '2.16.840.1.113883.2.1.3.2.4.17.104' });
          });
        });
      });
    });
  }
  writeMessageEnd(w);
  return w.toString();
}

/**
 * Parses an application acknowledgement. The reason of a negative one is read from
 * `ControlActEvent/reason/justifyingDetectedIssueEvent/code` or, failing that, `acknowledgement/acknowledgementDetail/code`
 * (senders use either).
 */
export async function parseAcknowledgement(source: XmlSource, limits?: Partial<XmlLimits>): Promise<Acknowledgement> {
  const tree = new TreeBuilder();
  await readXml(source, tree, limits);
  const root = tree.documentElement;
  if (!root || !/^MCCI_IN010000UK1\d$/.test(root.name)) {
    throw new Error(
      `Not an application acknowledgement: the root element is <${root?.name ?? 'none'}>, expected <${ACKNOWLEDGEMENT_INTERACTION}>.`,
    );
  }
  const acknowledgement = child(root, 'acknowledgement');
  const typeCode = attr(acknowledgement, 'typeCode');
  if (typeCode !== 'AA' && typeCode !== 'AE' && typeCode !== 'AR') {
    throw new Error(`Acknowledgement type "${typeCode ?? ''}" is not AA, AE or AR; the message cannot be processed.`);
  }
  const acknowledgedMessageId = attr(path(acknowledgement, 'messageRef', 'id'), 'root') ?? '';
  const reasonNode =
    path(root, 'ControlActEvent', 'reason', 'justifyingDetectedIssueEvent', 'code') ??
    path(acknowledgement, 'acknowledgementDetail', 'code');
  const code = attr(reasonNode, 'code');
  const result: Acknowledgement = { ...readMessageHeader(root), typeCode, acknowledgedMessageId };
  if (code) {
    result.reason = {
      code,
      display:
        attr(reasonNode, 'displayName') ?? (isGp2gpReasonCode(code) ? GP2GP_REASON_CODES[code] : 'Unknown reason'),
    };
  }
  return result;
}
