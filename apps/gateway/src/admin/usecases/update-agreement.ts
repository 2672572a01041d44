import { Injectable } from '@nestjs/common';
import type { SharingAgreement } from '@lloyd/config';
import { AccessPolicyStore, AuditTrail } from '@lloyd/access';
import { auditedChange, changedBy, type AdminContext } from './admin-context.js';

/** `PUT /admin/agreements/{id}`: replaces an agreement; the previous version stays in the policy history. */
@Injectable()
export class UpdateAgreement {
  constructor(
    private readonly policy: AccessPolicyStore,
    private readonly audit: AuditTrail,
  ) {}

  execute(id: string, body: unknown, context: AdminContext): Promise<SharingAgreement> {
    return auditedChange(this.audit, context, { action: 'update', target: { type: 'SharingAgreement', id } }, () =>
      this.policy.updateAgreement(id, body, changedBy(context)),
    );
  }
}
