import type { FastifyInstance } from 'fastify';
import type { MetricsService } from './metrics.service.js';

/** The `route` label of requests that matched no route (404s): one value, whatever URL was asked for. */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * Counts and times every answered request on `fastify` into `metrics`, labelled by method, route pattern and status.
 * The label is the pattern (`/fhir/Patient/:id`), never the raw URL, so scanners cannot blow up the series count.
 * Register it before the app is initialised (before `app.init()` / `listen()`), so it applies to every route.
 */
export function registerHttpMetrics(fastify: FastifyInstance, metrics: MetricsService): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.is404 ? UNMATCHED_ROUTE : (request.routeOptions.url ?? UNMATCHED_ROUTE);
    metrics.observeHttp(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
}
