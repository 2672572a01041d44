import { createServer } from 'node:net';

/**
 * A loopback port nothing listens on: the OS picks a free one for a listener on port 0, which is closed again. Use it
 * for a service a test starts itself, or as an address where a connection is refused.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('could not determine a free port'))));
    });
  });
}
