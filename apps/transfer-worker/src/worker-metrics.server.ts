import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { LLOYD_CONFIG, type LloydConfig } from '@lloyd/config';
import { LOGGER, MetricsService, type AppLogger } from '@lloyd/observability';

/**
 * The standalone worker's small HTTP listener, on `worker.metricsPort` (`WORKER_METRICS_PORT`) at `server.host`:
 * `GET /metrics` serves this process's Prometheus metrics (the GP2GP outcomes and durations are counted where the
 * steps run, that is here), and `GET /health/live` (also `/health`) answers 200 while the process runs, for the
 * container's health check. Nothing else is served. Off when the port is unset.
 */
@Injectable()
export class WorkerMetricsServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private server: Server | undefined;

  constructor(
    @Inject(LLOYD_CONFIG) private readonly config: LloydConfig,
    private readonly metrics: MetricsService,
    @Inject(LOGGER) private readonly logger: AppLogger,
  ) {}

  /** The port listened on, once started (useful with port 0 in tests); undefined when off. */
  get port(): number | undefined {
    return (this.server?.address() as AddressInfo | null)?.port;
  }

  async onApplicationBootstrap(): Promise<void> {
    const port = this.config.worker.metricsPort;
    if (port === undefined) return;
    const server = createServer((req, res) => void this.answer(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.config.server.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.logger.info({ host: this.config.server.host, port: this.port }, 'worker metrics listening');
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'Method Not Allowed\n');
    try {
      if (path === '/metrics') {
        const { contentType, text } = await this.metrics.metrics();
        return send(res, 200, contentType, text);
      }
      if (path === '/health/live' || path === '/health') {
        return send(res, 200, 'application/json', JSON.stringify({ status: 'pass', role: 'transfer-worker' }));
      }
      send(res, 404, 'text/plain', 'Not Found\n');
    } catch (err) {
      this.logger.error({ err, path }, 'worker metrics request failed');
      send(res, 500, 'text/plain', 'Internal Server Error\n');
    }
  }
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}
