import { type AuditTrail } from '@lloyd/access';
import { z } from 'zod';
import { TRANSFER_STATES } from '../model/transfer-state.js';
import type { Transfers } from '../store/transfers.js';
import { audited, invalidInput, type Gp2gpCaller } from './caller.js';
import { toView, type TransferView } from './transfer-view.js';

const listQuerySchema = z.object({
  state: z.enum(TRANSFER_STATES, { error: `must be one of ${TRANSFER_STATES.join(', ')}` }).optional(),
  toOds: z
    .string()
    .regex(/^[A-Z0-9]{3,10}$/, 'must be an ODS code (3-10 upper-case letters or digits)')
    .optional(),
  count: z.coerce.number().int().min(1).max(1000).optional(),
});

export interface TransferList {
  transfers: TransferView[];
  count: number;
}

/** `GET /gp2gp/transfers?state=&toOds=`: transfers, newest first. Audited as a search. */
export class ListTransfers {
  constructor(
    private readonly transfers: Transfers,
    private readonly audit: AuditTrail,
  ) {}

  async execute(query: unknown, caller: Gp2gpCaller): Promise<TransferList> {
    return audited(
      this.audit,
      caller,
      { interaction: 'search' },
      async () => {
        const parsed = listQuerySchema.safeParse(query ?? {});
        if (!parsed.success) throw invalidInput(parsed.error, 'query');
        const { count, ...filter } = parsed.data;
        const found = await this.transfers.repository.list(filter, count ?? 100);
        return { transfers: found.map(toView), count: found.length };
      },
      (list) => ({ resources: list.transfers.map((t) => `Gp2gpTransfer/${t.id}`) }),
    );
  }
}
