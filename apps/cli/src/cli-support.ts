import { parseArgs, type ParseArgsConfig } from 'node:util';

/**
 * Ends the process quietly when whoever reads stdout stops reading (`npm run -s translate -- f.xml | head`), as
 * command-line tools do, instead of crashing on the EPIPE with a stack trace. Other stdout errors still throw.
 * Returns a function that removes the handler.
 */
export function exitQuietlyWhenStdoutCloses(): () => void {
  const handler = (err: NodeJS.ErrnoException): void => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(0);
  };
  process.stdout.on('error', handler);
  return () => process.stdout.off('error', handler);
}

/**
 * Parses a command's options strictly (no positionals, no unknown options); a parse failure becomes the command's own
 * usage error, so the command prints its usage with it.
 */
export function parseCliOptions<O extends NonNullable<ParseArgsConfig['options']>>(
  argv: string[],
  options: O,
  usageError: (message: string) => Error,
) {
  try {
    return parseArgs({ args: argv, strict: true, allowPositionals: false, options }).values;
  } catch (err) {
    throw usageError((err as Error).message);
  }
}
