import { Injectable } from '@nestjs/common';
import type { SharingAgreement } from '@lloyd/config';
import { AccessPolicyStore, AuditTrail } from '@lloyd/access';
import { auditedChange, changedBy, type AdminContext } from './admin-context.js';

/** `POST /admin/agreements/{id}/$end`: ends an agreement today (access stops at once); it is kept, never deleted. */
@Injectable()
export class EndAgreement {
  constructor(
    private readonly policy: AccessPolicyStore,
    private readonly audit: AuditTrail,
  ) {}

  execute(id: string, context: AdminContext): Promise<SharingAgreement> {
    return auditedChange(this.audit, context, { action: 'end', target: { type: 'SharingAgreement', id } }, () =>
      this.policy.endAgreement(id, changedBy(context)),
    );
  }
}
