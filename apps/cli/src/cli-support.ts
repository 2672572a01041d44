import { resolve } from 'node:path';
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

/**
 * The directory a relative path typed by the user is taken from: the one they ran npm in (npm sets INIT_CWD and runs
 * the script in the project folder), else the working directory.
 */
export function userDirectory(env: NodeJS.ProcessEnv = process.env): string {
  return env['INIT_CWD'] || process.cwd();
}

/** A file argument as the absolute path the user meant (see {@link userDirectory}). */
export function userPath(path: string, env?: NodeJS.ProcessEnv): string {
  return resolve(userDirectory(env), path);
}

/**
 * A --base-url value without its trailing slashes, or undefined when it is not an http(s) URL that can be used (a
 * port out of range, an unclosed IPv6 bracket, …).
 */
export function httpBaseUrl(value: string): string | undefined {
  if (!/^https?:\/\/[^/]/i.test(value)) return undefined;
  try {
    const url = new URL(value);
    return url.hostname === '' ? undefined : value.replace(/\/+$/, '');
  } catch {
    return undefined;
  }
}
