import t from 'tap';
import { applyLagReason, READY_APPLY_LAG_MAX, READY_REASON_GROUPS_MAX } from '../../../server/cluster/readiness.js';

t.test('a node is caught up while every group applied within the bound of its commit index', async (t) => {
  t.equal(applyLagReason([]), undefined);
  t.equal(
    applyLagReason([
      { group: 'tso', commitIndex: 10, appliedIndex: 10 },
      { group: 'range-4', commitIndex: 5 + READY_APPLY_LAG_MAX, appliedIndex: 5 },
    ]),
    undefined,
    'exactly the bound behind is still ready',
  );
});

t.test('the groups behind by more are named, with their indexes', async (t) => {
  const reason = applyLagReason([
    { group: 'meta', commitIndex: 50, appliedIndex: 50 },
    { group: 'range-7', commitIndex: 6 + READY_APPLY_LAG_MAX, appliedIndex: 5 },
    { group: 'tso', commitIndex: 3000, appliedIndex: 10 },
  ]);
  t.equal(reason, `groups applied more than ${READY_APPLY_LAG_MAX} entries behind their commit index: range-7 (applied 5 of ${6 + READY_APPLY_LAG_MAX}), tso (applied 10 of 3000)`);
  t.match(applyLagReason([{ group: 'range-1', commitIndex: 20, appliedIndex: 0 }], 10), /range-1 \(applied 0 of 20\)/, 'the bound is a parameter');
});

t.test('a long list is cut', async (t) => {
  const groups = Array.from({ length: READY_REASON_GROUPS_MAX + 5 }, (_, i) => ({ group: `range-${i}`, commitIndex: 2 * READY_APPLY_LAG_MAX, appliedIndex: 0 }));
  const reason = applyLagReason(groups)!;
  t.equal(reason.match(/range-\d+ \(/g)?.length, READY_REASON_GROUPS_MAX);
  t.match(reason, /and 5 more$/);
});
