/** Jobs that belong to the platform itself rather than to a domain (GP2GP jobs live in libs/gp2gp). */
export enum SystemJob {
  /** Proves end to end that a worker is consuming the queue: the handler records a heartbeat. */
  HealthPing = 'system.health-ping',
}

export interface HealthPingPayload {
  requestedAt: string;
  traceId?: string;
}

export const WORKER_HEARTBEAT_KEY = 'worker:heartbeat';
