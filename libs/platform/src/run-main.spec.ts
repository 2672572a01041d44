import { jest } from '@jest/globals';
import { REPEAT_IGNORED_MS, shutdownOnSignal } from './run-main.js';

describe('shutdownOnSignal', () => {
  const setup = (stop: () => Promise<void>, deadlineMs?: number) => {
    let clock = 1_000;
    const exits: number[] = [];
    const messages: string[] = [];
    const handle = shutdownOnSignal({
      name: 'gateway',
      stop,
      exit: (code) => exits.push(code),
      now: () => clock,
      log: (m) => messages.push(m),
      error: (m) => messages.push(m),
      ...(deadlineMs !== undefined ? { deadlineMs } : {}),
    });
    return { handle, exits, messages, advance: (ms: number) => (clock += ms) };
  };

  it('stops once for the same signal delivered twice at once (a process group and npm), then exits 0', async () => {
    let finish!: () => void;
    const stop = jest.fn(() => new Promise<void>((resolve) => (finish = resolve)));
    const { handle, exits } = setup(stop);
    handle('SIGINT');
    handle('SIGINT');
    handle('SIGTERM');
    expect(stop).toHaveBeenCalledTimes(1);
    expect(exits).toEqual([]);
    finish();
    await new Promise((resolve) => setImmediate(resolve));
    expect(exits).toEqual([0]);
  });

  it('stops at once, as killed by the signal, when it is sent again later', () => {
    const { handle, exits, messages, advance } = setup(() => new Promise<void>(() => undefined));
    handle('SIGTERM');
    advance(REPEAT_IGNORED_MS + 1);
    handle('SIGTERM');
    expect(exits).toEqual([143]);
    expect(messages.at(-1)).toMatch(/received again, stopping now/);
  });

  it('exits 1 when the shutdown fails, or does not finish before its deadline', async () => {
    const failing = setup(() => Promise.reject(new Error('redis gone')));
    failing.handle('SIGTERM');
    await new Promise((resolve) => setImmediate(resolve));
    expect(failing.exits).toEqual([1]);

    const hanging = setup(() => new Promise<void>(() => undefined), 20);
    hanging.handle('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(hanging.exits).toEqual([1]);
    expect(hanging.messages.at(-1)).toMatch(/did not finish within 20 ms/);
  });
});
