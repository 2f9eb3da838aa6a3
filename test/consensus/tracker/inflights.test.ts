import t from 'tap';
import { Inflights } from '../../../consensus/tracker/inflights.js';
import { Progress } from '../../../consensus/tracker/progress.js';

t.test('the inflight window is bounded and freed by acknowledgements', async (tt) => {
  const w = new Inflights(3);
  w.add(5);
  w.add(8);
  w.add(12);
  tt.ok(w.full());
  tt.throws(() => w.add(13), { code: 'InvariantViolated' });
  w.freeLE(8);
  tt.equal(w.size, 1);
  w.add(15);
  w.add(20);
  tt.ok(w.full(), 'the ring wraps around');
  w.freeFirstOne();
  tt.equal(w.size, 2);
  w.freeLE(100);
  tt.equal(w.size, 0);
});

t.test('progress: probe pauses, replicate pipelines, stale rejections are ignored', async (tt) => {
  const pr = new Progress(11, 2, false);
  tt.notOk(pr.isPaused());
  pr.probeSent = true;
  tt.ok(pr.isPaused(), 'one probe at a time');
  tt.ok(pr.maybeUpdate(10));
  pr.becomeReplicate();
  tt.equal(pr.next, 11);
  pr.optimisticUpdate(15);
  pr.inflights.add(15);
  pr.optimisticUpdate(20);
  pr.inflights.add(20);
  tt.ok(pr.isPaused(), 'window full');
  tt.notOk(pr.maybeDecrTo(9, 9), 'a rejection below match is stale');
  tt.ok(pr.maybeDecrTo(15, 12));
  tt.equal(pr.next, 11, 'replicate falls back to match + 1');
  pr.becomeProbe();
  pr.next = 20;
  tt.notOk(pr.maybeDecrTo(15, 12), 'probe ignores a rejection of another index');
  tt.ok(pr.maybeDecrTo(19, 12));
  tt.equal(pr.next, 13, 'the hint jumps back past the conflicting term');
});
