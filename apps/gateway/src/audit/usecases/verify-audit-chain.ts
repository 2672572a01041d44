import { Inject, Injectable } from '@nestjs/common';
import { AuditTrail, type ChainReport } from '@lloyd/access';
import { LLOYD_CONFIG, type LloydConfig } from '@lloyd/config';

export interface AuditVerification extends ChainReport {
  /** Where the chain lives: `in-process` (this process only) or `redis` (shared by every replica). */
  store: 'in-process' | 'redis';
}

/** `GET /admin/audit/$verify`: walks the audit hash chain in the store this gateway uses and reports the first break. */
@Injectable()
export class VerifyAuditChain {
  constructor(
    @Inject(LLOYD_CONFIG) private readonly config: LloydConfig,
    private readonly audit: AuditTrail,
  ) {}

  async execute(): Promise<AuditVerification> {
    const report = await this.audit.verify();
    return { ...report, store: this.config.store.redisUrl ? 'redis' : 'in-process' };
  }
}
