import t from 'tap';
import { LOGICAL_BITS, TIMESTAMP_BYTES, composeTimestamp } from '../../tso/timestamp.js';
import * as port from '../../engine/timestamp-source.js';

t.test('the engine port and the oracle agree on the timestamp format', async (t) => {
  t.equal(port.TIMESTAMP_BYTES, TIMESTAMP_BYTES);
  t.equal(port.TIMESTAMP_LOGICAL_BITS, LOGICAL_BITS);
  t.equal(port.timestampBeforeMs(composeTimestamp(1_000, 7), 250), composeTimestamp(750, 7));
  t.equal(port.timestampBeforeMs(composeTimestamp(10, 0), 250), 0n);
});
