/**
 * Installing a snapshot is asynchronous but ordered (consensus/state-machine.ts):
 * the entries queued before it are applied first, none queued after it starts
 * before the install has finished, and exclusive work (a snapshot build, a
 * compaction) sees exactly the applied index it runs at. A failed install
 * stops the group; an apply that fails only because the group closed (the
 * node shutting down) is no fault.
 */
import t from 'tap';
import type { Entry, Snapshot } from '../../../consensus/messages.js';
import { ReplicatedStateMachine, type StateMachine } from '../../../consensus/state-machine.js';

const entry = (index: number): Entry => ({ term: 2, index, type: 'normal', data: new Uint8Array(0) });
const snapshot = (index: number): Snapshot => ({ metadata: { index, term: 2, confState: { voters: [1, 2, 3], learners: [] } }, data: new Uint8Array(0) });
const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

function recordingMachine(events: string[], failInstall = false): StateMachine {
  return {
    async apply() {
      throw new Error('entries without data are skipped');
    },
    async skip(index) {
      events.push(`apply ${index} start`);
      await tick();
      events.push(`apply ${index} end`);
    },
    async installSnapshot(snap, raftWrites) {
      events.push(`install ${snap.metadata.index} start (${raftWrites.length} raft writes)`);
      await tick();
      if (failInstall) throw new Error('disk full');
      events.push(`install ${snap.metadata.index} end`);
    },
  };
}

t.test('entries before a snapshot apply first; entries after it wait for the install', async (t) => {
  const events: string[] = [];
  const errors: unknown[] = [];
  const machine = new ReplicatedStateMachine(recordingMachine(events), { kick: () => undefined, onApplyError: (e) => errors.push(e) });
  for (const i of [1, 2, 3]) machine.applyEntry(entry(i));
  const installed = machine.installSnapshot(snapshot(10), [{ type: 'del', key: Buffer.from('x') }]);
  const seen = machine.runExclusive(async (applied) => applied);
  for (const i of [11, 12]) machine.applyEntry(entry(i));
  await installed;
  t.equal(await seen, 10, 'exclusive work queued after the install runs at its index');
  await machine.caughtUp();
  t.same(events, [
    'apply 1 start', 'apply 1 end', 'apply 2 start', 'apply 2 end', 'apply 3 start', 'apply 3 end',
    'install 10 start (1 raft writes)', 'install 10 end',
    'apply 11 start', 'apply 11 end', 'apply 12 start', 'apply 12 end',
  ]);
  t.equal(machine.appliedIndex, 12);
  t.same(errors, []);
});

t.test('a failed install stops the group: nothing after it applies', async (t) => {
  const events: string[] = [];
  const errors: unknown[] = [];
  const machine = new ReplicatedStateMachine(recordingMachine(events, true), { kick: () => undefined, onApplyError: (e) => errors.push(e) });
  machine.applyEntry(entry(1));
  await t.rejects(machine.installSnapshot(snapshot(10), []), /disk full/);
  machine.applyEntry(entry(11));
  await machine.caughtUp();
  t.same(events, ['apply 1 start', 'apply 1 end', 'install 10 start (0 raft writes)']);
  t.equal(errors.length, 1, 'the failure is reported');
  await t.rejects(machine.runExclusive(async () => 'never'), /disk full/, 'exclusive work fails too');
});

t.test('an apply in flight when the group closes may fail without stopping the node; closing waits for it', async (t) => {
  const events: string[] = [];
  const errors: unknown[] = [];
  let storeOpen = true;
  const machine = new ReplicatedStateMachine(
    {
      async apply() {
        throw new Error('entries without data are skipped');
      },
      async skip(index) {
        events.push(`apply ${index} start`);
        await tick();
        if (!storeOpen) throw new Error('database is not open');
        events.push(`apply ${index} end`);
      },
    },
    { kick: () => undefined, onApplyError: (e) => errors.push(e) },
  );
  machine.applyEntry(entry(1));
  machine.applyEntry(entry(2));
  machine.close(); // the node shuts down while entry 1 is being written
  storeOpen = false;
  machine.applyEntry(entry(3));
  await machine.caughtUp();
  t.same(events, ['apply 1 start'], 'nothing applies after the close');
  t.same(errors, [], 'the failure of the apply in flight is not reported as a fault');
});

t.test('entries committed while the drain loop writes earlier ones are staged behind that write, not queued', async (t) => {
  const events: string[] = [];
  const machine = new ReplicatedStateMachine(
    {
      async apply() {
        throw new Error('applied through applyMany');
      },
      async applyMany(entries) {
        events.push(`write ${entries.map((e) => e.index).join(',')} start`);
        await tick();
        events.push(`write ${entries.map((e) => e.index).join(',')} end`);
        return entries.map(() => undefined);
      },
      stageMany(entries) {
        events.push(`stage ${entries.map((e) => e.index).join(',')}`);
        return { writes: [{ type: 'put', key: Buffer.from('k'), value: Buffer.from('v') }], applied: () => entries.map(() => undefined) };
      },
    },
    { kick: () => undefined },
  );
  // A compaction-like task puts the group on its drain loop; entries committed meanwhile queue behind it.
  let releaseTask!: () => void;
  const task = machine.runExclusive(() => new Promise<void>((resolve) => (releaseTask = resolve)));
  await tick();
  t.equal(machine.stageCommitted([entry(1)]), undefined, 'not staged while an exclusive task runs');
  machine.applyEntry(entry(1));
  releaseTask();
  await task;
  while (!events.includes('write 1 start')) await new Promise(setImmediate);
  // The loop is now writing entry 1 on its own; entry 2 rides in the next flush, after that write.
  const staged = machine.stageCommitted([entry(2)]);
  t.ok(staged?.after, 'staged, with the write the flush must wait for');
  t.notOk(events.includes('write 1 end'), 'the earlier write is still in flight');
  await staged!.after;
  t.ok(events.includes('write 1 end'), 'the flush waits for the earlier write to land');
  staged!.done();
  t.equal(machine.appliedIndex, 2);
  const next = machine.stageCommitted([entry(3)]);
  t.ok(next !== undefined && next.after === undefined, 'back on the plain staged path: no write to wait for');
  next!.done();
  await machine.caughtUp();
  t.same(events, ['write 1 start', 'stage 2', 'write 1 end', 'stage 3']);
  t.equal(machine.appliedIndex, 3);
});
