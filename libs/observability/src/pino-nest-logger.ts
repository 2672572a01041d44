import type { LoggerService } from '@nestjs/common';
import type { Level } from 'pino';
import type { AppLogger } from './logger.js';

type Fields = Record<string, unknown>;

const STACK_LINE = /\n[ \t]+at .+:\d+:\d+/;

function isPlainObject(value: unknown): value is Fields {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * Nest's {@link LoggerService} over pino, so Nest's own start-up and error messages are JSON lines like the rest.
 * Follows Nest's calling convention: a trailing string argument is the context (`new Logger('Ctx')` appends it), and
 * `error`/`fatal` take an optional stack before the context. Nest's `log` is pino's `info` and `verbose` is `trace`.
 */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: AppLogger) {}

  log(message: unknown, ...optionalParams: unknown[]): void {
    this.write('info', message, optionalParams, false);
  }

  error(message: unknown, ...optionalParams: unknown[]): void {
    this.write('error', message, optionalParams, true);
  }

  warn(message: unknown, ...optionalParams: unknown[]): void {
    this.write('warn', message, optionalParams, false);
  }

  debug(message: unknown, ...optionalParams: unknown[]): void {
    this.write('debug', message, optionalParams, false);
  }

  verbose(message: unknown, ...optionalParams: unknown[]): void {
    this.write('trace', message, optionalParams, false);
  }

  fatal(message: unknown, ...optionalParams: unknown[]): void {
    this.write('fatal', message, optionalParams, true);
  }

  private write(level: Level, message: unknown, params: unknown[], mayHaveStack: boolean): void {
    if (!this.logger.isLevelEnabled(level)) return;
    const { context, stack, rest } = splitParams(params, mayHaveStack);
    const fields: Fields = {};
    if (context !== undefined) fields['context'] = context;
    if (stack !== undefined) fields['stack'] = stack;

    let msg: string | undefined;
    if (message instanceof Error) {
      fields['err'] = message;
      msg = message.message;
    } else if (isPlainObject(message)) {
      Object.assign(fields, message);
    } else if (typeof message === 'string') {
      msg = message;
    } else {
      msg = String(message);
    }

    const extra: unknown[] = [];
    for (const param of rest) {
      if (isPlainObject(param)) Object.assign(fields, param);
      else if (param !== undefined) extra.push(param);
    }
    if (extra.length > 0) fields['args'] = extra;

    this.logger[level](fields, msg);
  }
}

/** Mirrors Nest's ConsoleLogger: which trailing arguments are the context and the stack. */
function splitParams(
  params: unknown[],
  mayHaveStack: boolean,
): { context: string | undefined; stack: string | undefined; rest: unknown[] } {
  const rest = [...params];
  let context: string | undefined;
  let stack: unknown;
  const last = (): unknown => rest[rest.length - 1];
  if (mayHaveStack && rest.length === 1 && (rest[0] === undefined || isStack(rest[0]))) {
    stack = rest.pop();
  } else if (mayHaveStack && rest.length >= 2 && isStack(last())) {
    stack = rest.pop();
    if (typeof last() === 'string') context = rest.pop() as string;
  } else {
    if (rest.length > 0 && typeof last() === 'string') context = rest.pop() as string;
    // `new Logger('Ctx').error('msg')` arrives as `('msg', undefined, 'Ctx')`: the undefined is the stack slot.
    if (mayHaveStack && rest.length > 0 && (typeof last() === 'string' || last() === undefined)) stack = rest.pop();
  }
  return { context, stack: typeof stack === 'string' ? stack : undefined, rest };
}

function isStack(value: unknown): boolean {
  return typeof value === 'string' && STACK_LINE.test(value);
}
