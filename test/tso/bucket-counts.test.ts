import t from 'tap';
import { BucketCounts } from '../../tso/bucket-counts.js';

t.test('an observation lands in the first bucket whose bound it does not exceed', async (t) => {
  const h = new BucketCounts([1, 10, 100]);
  for (const value of [0, 1, 1.5, 10, 99, 100, 101, 5000]) h.observe(value);
  t.same(h.counts, [2, 2, 2, 2], 'a value equal to a bound counts in that bound (Prometheus le)');
  t.equal(h.count, 8);
  t.equal(h.sum, 0 + 1 + 1.5 + 10 + 99 + 100 + 101 + 5000);
});

t.test('bounds must ascend', async (t) => {
  t.throws(() => new BucketCounts([]), RangeError);
  t.throws(() => new BucketCounts([1, 1]), RangeError);
  t.throws(() => new BucketCounts([2, 1]), RangeError);
});
