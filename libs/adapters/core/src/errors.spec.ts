import { SupplierError, SupplierProtocolError, SupplierTimeoutError, SupplierUnavailableError } from './errors.js';

const identity = { ods: 'P10001', format: 'xml-readv2' };

describe('supplier errors', () => {
  it.each([
    [
      new SupplierUnavailableError({ ...identity, detail: 'connection refused (ECONNREFUSED)' }),
      'SupplierUnavailableError',
      /is unavailable: connection refused/,
    ],
    [
      new SupplierTimeoutError({ ...identity, detail: 'the call was aborted' }),
      'SupplierTimeoutError',
      /did not answer in time/,
    ],
    [
      new SupplierProtocolError({ ...identity, detail: 'malformed XML' }),
      'SupplierProtocolError',
      /gave an answer Lloyd cannot use: malformed XML/,
    ],
  ])('%s names the practice, the format, what happened and what to do', (err, name, what) => {
    expect(err).toBeInstanceOf(SupplierError);
    expect(err.name).toBe(name);
    expect(err.message).toMatch(/^Supplier system of practice P10001 \(xml-readv2\) /);
    expect(err.message).toMatch(what);
    expect(err.hint.length).toBeGreaterThan(20);
    expect(err.message.endsWith(err.hint)).toBe(true);
    expect({ ods: err.ods, format: err.format }).toEqual(identity);
  });

  it('gives transfer advice apart from record-view advice: the transfer settings, and no 502', () => {
    const timeout = new SupplierTimeoutError({ ...identity, detail: 'the call was aborted' });
    expect(timeout.transferHint).toContain('gp2gp.supplierCallTimeoutMs');
    expect(timeout.transferHint).not.toMatch(/raise this supplier's timeoutMs/);
    const down = new SupplierUnavailableError({ ...identity, detail: 'connection refused' });
    expect(down.transferHint).not.toContain('502');
    expect(down.transferHint).toMatch(/request the transfer again/);
    expect(new SupplierProtocolError({ ...identity, detail: 'x' }).transferHint).toMatch(/request the transfer again/);
  });

  it('keeps the cause', () => {
    const cause = new Error('socket hang up');
    expect(new SupplierUnavailableError({ ...identity, detail: 'x', cause }).cause).toBe(cause);
  });
});
