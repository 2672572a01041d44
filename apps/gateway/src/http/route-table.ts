import { Injectable } from '@nestjs/common';

interface RouteEntry {
  pattern: RegExp;
  methods: Set<string>;
}

/**
 * Remembers every registered route so that a request whose path exists under another method can be answered with
 * 405 and an `Allow` header, instead of Fastify's plain 404.
 */
@Injectable()
export class RouteTable {
  private readonly routes = new Map<string, RouteEntry>();

  add(url: string, methods: string | string[]): void {
    const entry = this.routes.get(url) ?? { pattern: toPattern(url), methods: new Set<string>() };
    for (const m of Array.isArray(methods) ? methods : [methods]) if (m !== 'HEAD') entry.methods.add(m);
    this.routes.set(url, entry);
  }

  /** Methods allowed for a concrete request URL (query string ignored); empty when no route matches. */
  methodsFor(url: string): string[] {
    const path = url.split('?')[0] ?? url;
    const out = new Set<string>();
    for (const entry of this.routes.values()) if (entry.pattern.test(path)) entry.methods.forEach((m) => out.add(m));
    return [...out].sort();
  }
}

function toPattern(url: string): RegExp {
  const escaped = url
    .split('/')
    .map((segment) =>
      segment.startsWith(':') ? '[^/]+' : segment === '*' ? '.*' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
    )
    .join('/');
  // Exactly as Fastify matches (no trailing-slash leniency): a path Fastify does not route is not "another method's".
  return new RegExp(`^${escaped}$`);
}
