import { ConsoleLogger, Logger } from '@nestjs/common';
import { createLogger } from './logger.js';
import { PinoNestLogger } from './pino-nest-logger.js';
import { LineCapture } from './testing/capture.js';

function setup(logLevel: 'trace' | 'info' = 'trace') {
  const out = new LineCapture();
  const nest = new PinoNestLogger(
    createLogger({ observability: { logLevel, serviceName: 'lloyd-test', traceSampleRatio: 1 } }, out),
  );
  return { out, nest };
}

const STACK = 'Error: boom\n    at Object.<anonymous> (/app/dist/main.js:10:5)';

describe('PinoNestLogger', () => {
  it('maps Nest levels to pino levels and puts the context in its own field', () => {
    const { out, nest } = setup();
    nest.log('Nest application successfully started', 'NestApplication');
    nest.warn('slow supplier', 'Federation');
    nest.debug('cache miss', 'Auth');
    nest.verbose('detail', 'Auth');
    nest.fatal('cannot continue', 'Main');

    expect(out.lines.map((l) => [l['level'], l['msg'], l['context']])).toEqual([
      ['info', 'Nest application successfully started', 'NestApplication'],
      ['warn', 'slow supplier', 'Federation'],
      ['debug', 'cache miss', 'Auth'],
      ['trace', 'detail', 'Auth'],
      ['fatal', 'cannot continue', 'Main'],
    ]);
  });

  it('reads error(message, stack, context) as Nest passes it', () => {
    const { out, nest } = setup();
    nest.error('request failed', STACK, 'ExceptionsHandler');

    expect(out.lines[0]).toMatchObject({
      level: 'error',
      msg: 'request failed',
      stack: STACK,
      context: 'ExceptionsHandler',
    });
  });

  it('treats a lone stack-shaped argument to error() as the stack, not the context', () => {
    const { out, nest } = setup();
    nest.error('request failed', STACK);

    expect(out.lines[0]).toMatchObject({ msg: 'request failed', stack: STACK });
    expect(out.lines[0]).not.toHaveProperty('context');
  });

  it('works behind Nest’s Logger facade, which appends the context', () => {
    const { out, nest } = setup();
    Logger.overrideLogger(nest);
    try {
      new Logger('RoutesResolver').log('Mapped {/fhir/metadata, GET} route');
      new Logger('Bootstrap').error('failed to connect');
    } finally {
      Logger.overrideLogger(new ConsoleLogger());
    }

    expect(out.lines[0]).toMatchObject({
      level: 'info',
      msg: 'Mapped {/fhir/metadata, GET} route',
      context: 'RoutesResolver',
    });
    expect(out.lines[1]).toMatchObject({ level: 'error', msg: 'failed to connect', context: 'Bootstrap' });
    expect(out.lines[1]).not.toHaveProperty('stack');
  });

  it('logs an Error message with the error serialised', () => {
    const { out, nest } = setup();
    nest.error(new Error('supplier unreachable'), 'Federation');

    expect(out.lines[0]).toMatchObject({
      msg: 'supplier unreachable',
      context: 'Federation',
      err: { type: 'Error', message: 'supplier unreachable' },
    });
  });

  it('merges plain-object messages and parameters into the line', () => {
    const { out, nest } = setup();
    nest.log({ transferId: 't-1' }, { state: 'extracted' }, 'Gp2gp');

    expect(out.lines[0]).toMatchObject({ transferId: 't-1', state: 'extracted', context: 'Gp2gp' });
  });

  it('writes nothing below the pino level', () => {
    const { out, nest } = setup('info');
    nest.debug('hidden', 'Auth');
    nest.verbose('hidden', 'Auth');

    expect(out.lines).toEqual([]);
  });
});
