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
