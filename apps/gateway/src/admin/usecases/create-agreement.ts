import { Injectable } from '@nestjs/common';
import type { SharingAgreement } from '@lloyd/config';
import { AccessPolicyStore, AuditTrail } from '@lloyd/access';
import { auditedChange, bodyId, changedBy, type AdminContext } from './admin-context.js';

/** `POST /admin/agreements`: creates a sharing agreement (422 naming the field when invalid, 409 if the id is taken). */
@Injectable()
export class CreateAgreement {
  constructor(
    private readonly policy: AccessPolicyStore,
    private readonly audit: AuditTrail,
  ) {}

  execute(body: unknown, context: AdminContext): Promise<SharingAgreement> {
    return auditedChange(
      this.audit,
      context,
      { action: 'create', target: { type: 'SharingAgreement', id: bodyId(body) } },
      () => this.policy.createAgreement(body, changedBy(context)),
    );
  }
}
