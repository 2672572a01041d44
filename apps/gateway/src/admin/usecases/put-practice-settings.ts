import { Injectable } from '@nestjs/common';
import type { PracticeSettings } from '@lloyd/config';
import { AccessPolicyStore, AuditTrail } from '@lloyd/access';
import { auditedChange, changedBy, type AdminContext } from './admin-context.js';

/** `PUT /admin/practices/{ods}`: sets whether a known practice shares, and which sections it has switched off. */
@Injectable()
export class PutPracticeSettings {
  constructor(
    private readonly policy: AccessPolicyStore,
    private readonly audit: AuditTrail,
  ) {}

  async execute(
    ods: string,
    body: unknown,
    context: AdminContext,
  ): Promise<{ practice: PracticeSettings; created: boolean }> {
    let created = false;
    const practice = await auditedChange(
      this.audit,
      context,
      { action: 'update', target: { type: 'PracticeSettings', id: ods } },
      async () => {
        const result = await this.policy.putPractice(ods, body, changedBy(context));
        created = result.created;
        return result;
      },
    );
    return { practice, created };
  }
}
