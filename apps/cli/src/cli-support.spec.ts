import { jest } from '@jest/globals';
import { exitQuietlyWhenStdoutCloses } from './cli-support.js';

const failure = (code: string) => Object.assign(new Error(`write ${code}`), { code });

describe('exitQuietlyWhenStdoutCloses', () => {
  it('exits with 0 when the reader closes the pipe, and lets other stdout errors through', () => {
    const exit = jest.spyOn(process, 'exit').mockImplementation(() => undefined as never);
    const remove = exitQuietlyWhenStdoutCloses();
    try {
      process.stdout.emit('error', failure('EPIPE'));
      expect(exit).toHaveBeenCalledWith(0);
      exit.mockClear();
      expect(() => process.stdout.emit('error', failure('EIO'))).toThrow('write EIO');
      expect(exit).not.toHaveBeenCalled();
    } finally {
      remove();
      exit.mockRestore();
    }
  });
});
