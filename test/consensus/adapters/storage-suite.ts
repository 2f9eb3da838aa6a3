/**
 * One behavioural suite for every Raft Storage implementation (in-memory and
 * durable), like the engine's KvStore suite: same inputs, same answers, and
 * for durable ones the same answers again after a reopen.
 */
import type { Test } from 'tap';
import { CompactedError } from '../../../consensus/errors.js';
import type { ConfState, Entry, HardState, Snapshot } from '../../../consensus/messages.js';
import type { Storage } from '../../../consensus/storage.js';

export interface StorageUnderTest {
  storage: Storage;
  persist(rd: { snapshot: Snapshot | undefined; entries: readonly Entry[]; hardState: HardState | undefined }): Promise<void>;
  createSnapshot(index: number, cs: ConfState, data: Uint8Array): Promise<void>;
  compact(index: number): Promise<void>;
  /** The same storage as a restarted process would load it. */
  reopen(): Promise<Storage>;
}

const entry = (term: number, index: number, data = ''): Entry => ({
  term,
  index,
  type: 'normal',
  data: new TextEncoder().encode(data),
});

function describeLog(s: Storage): string {
  const first = s.firstIndex();
  const last = s.lastIndex();
  const ents = last >= first ? s.entries(first, last + 1, Number.POSITIVE_INFINITY) : [];
  const hs = s.initialState().hardState;
  const md = s.snapshot().metadata;
  return [
    `first=${first} last=${last} term(first-1)=${s.term(first - 1)}`,
    `hs=${hs.term}/${hs.vote}/${hs.commit}`,
    `snap=${md.term}/${md.index} voters=${md.confState.voters.join(',')}`,
    ...ents.map((e) => `${e.term}/${e.index}/${e.type}/${new TextDecoder().decode(e.data)}`),
  ].join('\n');
}

export function storageSuite(t: Test, make: () => Promise<StorageUnderTest>): void {
  t.test('bootstrap writes the founding membership as committed entries', async (tt) => {
    const s = (await make()).storage;
    tt.same(s.initialState().confState, { voters: [1, 2, 3], learners: [] });
    tt.same(s.initialState().hardState, { term: 1, vote: 0, commit: 3 });
    tt.equal(s.firstIndex(), 1);
    tt.equal(s.lastIndex(), 3);
    tt.same(s.entries(1, 4, Number.POSITIVE_INFINITY).map((e) => e.type), ['conf-change', 'conf-change', 'conf-change']);
    tt.equal(s.term(0), 0);
  });

  t.test('appending truncates a conflicting suffix', async (tt) => {
    const u = await make();
    await u.persist({ snapshot: undefined, entries: [entry(2, 4, 'a'), entry(2, 5, 'b'), entry(2, 6, 'c')], hardState: undefined });
    await u.persist({ snapshot: undefined, entries: [entry(3, 5, 'x')], hardState: { term: 3, vote: 2, commit: 4 } });
    tt.equal(u.storage.lastIndex(), 5);
    tt.equal(u.storage.term(5), 3);
    tt.same(u.storage.initialState().hardState, { term: 3, vote: 2, commit: 4 });
    tt.equal(describeLog(await u.reopen()), describeLog(u.storage), 'reopened state matches');
  });

  t.test('size-limited reads return at least one entry', async (tt) => {
    const u = await make();
    await u.persist({ snapshot: undefined, entries: [entry(2, 4, 'x'.repeat(100)), entry(2, 5, 'y'.repeat(100))], hardState: undefined });
    tt.equal(u.storage.entries(4, 6, 1).length, 1);
    tt.equal(u.storage.entries(4, 6, 1000).length, 2);
  });

  t.test('compaction discards the prefix but keeps its last term', async (tt) => {
    const u = await make();
    await u.persist({ snapshot: undefined, entries: [entry(2, 4), entry(2, 5), entry(3, 6)], hardState: { term: 3, vote: 1, commit: 6 } });
    await u.createSnapshot(5, { voters: [1, 2, 3], learners: [] }, new TextEncoder().encode('sm@5'));
    await u.compact(5);
    tt.equal(u.storage.firstIndex(), 6);
    tt.equal(u.storage.term(5), 2);
    tt.throws(() => u.storage.entries(4, 6, Number.POSITIVE_INFINITY), CompactedError);
    tt.equal(u.storage.snapshot().metadata.index, 5);
    const reopened = await u.reopen();
    tt.equal(describeLog(reopened), describeLog(u.storage), 'reopened state matches');
    tt.equal(new TextDecoder().decode(reopened.snapshot().data), 'sm@5');
  });

  t.test('installing a snapshot replaces the log', async (tt) => {
    const u = await make();
    const snapshot: Snapshot = {
      metadata: { index: 10, term: 4, confState: { voters: [1, 2, 3, 4], learners: [] } },
      data: new TextEncoder().encode('sm@10'),
    };
    await u.persist({ snapshot, entries: [], hardState: { term: 4, vote: 0, commit: 10 } });
    tt.equal(u.storage.firstIndex(), 11);
    tt.equal(u.storage.lastIndex(), 10);
    tt.equal(u.storage.term(10), 4);
    await u.persist({ snapshot: undefined, entries: [entry(4, 11, 'after')], hardState: undefined });
    const reopened = await u.reopen();
    tt.equal(describeLog(reopened), describeLog(u.storage), 'reopened state matches');
    tt.same(reopened.initialState().confState.voters, [1, 2, 3, 4]);
  });
}
