import { InMemoryKeyValueStore } from '@lloyd/store';
import { TransferMarkers } from './transfer-markers.js';

describe('TransferMarkers', () => {
  it('marks, reports and clears a transfer into a practice, per patient', async () => {
    const markers = new TransferMarkers(new InMemoryKeyValueStore());
    expect(await markers.isInTransit('P20002', '9990000093')).toBe(false);
    expect(await markers.isMoving('9990000093')).toBe(false);
    await markers.markInTransit('P20002', '9990000093', 'transfer-1');
    expect(await markers.isInTransit('P20002', '9990000093')).toBe(true);
    expect(await markers.isMoving('9990000093')).toBe(true);
    expect(await markers.isMoving('9990000018')).toBe(false);
    expect(await markers.isInTransit('P10001', '9990000093')).toBe(false);
    expect(await markers.isInTransit('P20002', '9990000018')).toBe(false);
    await markers.clear('P20002', '9990000093');
    expect(await markers.isInTransit('P20002', '9990000093')).toBe(false);
    expect(await markers.isMoving('9990000093')).toBe(false);
  });
});
