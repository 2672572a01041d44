/**
 * Whether a receiving practice has opted in to GP2GP auto-integration (practice setting `autoIntegrate`, managed
 * through the admin API). Read at delivery time, so a change applies to transfers not yet delivered.
 */
export class AutoIntegrationPolicy {
  constructor(private readonly enabledFor: (ods: string) => Promise<boolean>) {}

  isEnabled(ods: string): Promise<boolean> {
    return this.enabledFor(ods);
  }
}
