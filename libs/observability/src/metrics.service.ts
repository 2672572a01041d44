import { Inject, Injectable, Optional, type OnModuleDestroy } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry, type Metric } from 'prom-client';

/** Label names of the HTTP metrics; `route` is the route pattern, never the raw URL. */
export type HttpLabel = 'method' | 'route' | 'status';

/** Histogram buckets in seconds covering 1 ms to 10 s, the range of a cached read up to a slow supplier call. */
export const HTTP_DURATION_BUCKETS: readonly number[] = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/** Optional settings for {@link MetricsService}; provide them under {@link METRICS_OPTIONS} or pass them directly. */
export interface MetricsServiceOptions {
  /** Collect Node process metrics (CPU, memory, event loop, GC). Default true. */
  defaultMetrics?: boolean;
}

/** Injection token for {@link MetricsServiceOptions}. */
export const METRICS_OPTIONS = Symbol('METRICS_OPTIONS');

/** The Prometheus exposition of a registry. */
export interface MetricsText {
  contentType: string;
  text: string;
}

/**
 * Owns one prom-client {@link Registry}. Nothing uses prom-client's global default registry, so several app instances
 * in one process (tests) each count on their own. Other libs obtain their metrics through {@link counter},
 * {@link histogram} and {@link gauge}, which return the existing metric when the name is already registered.
 */
@Injectable()
export class MetricsService implements OnModuleDestroy {
  readonly registry = new Registry();
  readonly httpRequests: Counter<HttpLabel>;
  readonly httpDuration: Histogram<HttpLabel>;

  constructor(@Optional() @Inject(METRICS_OPTIONS) options: MetricsServiceOptions = {}) {
    if (options.defaultMetrics !== false) this.collectDefaultMetrics();
    this.httpRequests = this.counter('http_requests_total', 'HTTP requests answered, by route pattern and status.', [
      'method',
      'route',
      'status',
    ]);
    this.httpDuration = this.histogram(
      'http_request_duration_seconds',
      'Time to answer an HTTP request, by route pattern and status.',
      ['method', 'route', 'status'],
      HTTP_DURATION_BUCKETS,
    );
  }

  /** Records one answered HTTP request. `route` must be a route pattern (bounded cardinality). */
  observeHttp(method: string, route: string, status: number, seconds: number): void {
    const labels = { method, route, status: String(status) };
    this.httpRequests.inc(labels);
    this.httpDuration.observe(labels, seconds);
  }

  /** Returns the counter named `name`, creating it on first use. Throws if the name belongs to another metric type. */
  counter<L extends string = string>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    return this.getOrCreate(
      name,
      Counter,
      () => new Counter<L>({ name, help, labelNames, registers: [this.registry] }),
    );
  }

  /** Returns the histogram named `name`, creating it on first use (buckets in seconds; default suits 1 ms–10 s). */
  histogram<L extends string = string>(
    name: string,
    help: string,
    labelNames: readonly L[] = [],
    buckets: readonly number[] = HTTP_DURATION_BUCKETS,
  ): Histogram<L> {
    return this.getOrCreate(
      name,
      Histogram,
      () => new Histogram<L>({ name, help, labelNames, buckets: [...buckets], registers: [this.registry] }),
    );
  }

  /** Returns the gauge named `name`, creating it on first use. */
  gauge<L extends string = string>(name: string, help: string, labelNames: readonly L[] = []): Gauge<L> {
    return this.getOrCreate(name, Gauge, () => new Gauge<L>({ name, help, labelNames, registers: [this.registry] }));
  }

  /** The Prometheus text exposition of every metric in this registry, with the content type to serve it under. */
  async metrics(): Promise<MetricsText> {
    return { contentType: this.registry.contentType, text: await this.registry.metrics() };
  }

  onModuleDestroy(): void {
    this.registry.clear();
  }

  private collectDefaultMetrics(): void {
    // prom-client throws on a second registration of the same names in one registry.
    if (this.registry.getSingleMetric('process_cpu_user_seconds_total')) return;
    collectDefaultMetrics({ register: this.registry });
  }

  private getOrCreate<M extends Metric>(
    name: string,
    type: abstract new (...args: never[]) => Metric,
    create: () => M,
  ): M {
    const existing = this.registry.getSingleMetric(name);
    if (!existing) return create();
    if (!(existing instanceof type)) {
      throw new Error(`Metric "${name}" is already registered as another type; choose a different metric name.`);
    }
    return existing as M;
  }
}
