import t from 'tap';
import { committedIndex, quorumSize, voteResult } from '../../../consensus/quorum/majority.js';

t.test('quorum sizes', async (tt) => {
  tt.same([1, 2, 3, 4, 5].map(quorumSize), [1, 2, 2, 3, 3]);
});

t.test('committed index is what a majority has reached', async (tt) => {
  const match = new Map([[1, 10], [2, 7], [3, 4], [4, 9], [5, 2]]);
  tt.equal(committedIndex(new Set([1, 2, 3, 4, 5]), (id) => match.get(id)), 7);
  tt.equal(committedIndex(new Set([1, 2, 3]), (id) => match.get(id)), 7);
  tt.equal(committedIndex(new Set([1, 2, 3, 6]), (id) => match.get(id)), 4, 'a voter without progress counts as 0');
  tt.equal(committedIndex(new Set(), () => 0), Number.POSITIVE_INFINITY);
});

t.test('vote results', async (tt) => {
  const voters = new Set([1, 2, 3]);
  tt.equal(voteResult(voters, new Map([[1, true]])), 'pending');
  tt.equal(voteResult(voters, new Map([[1, true], [2, true]])), 'won');
  tt.equal(voteResult(voters, new Map([[1, true], [2, false], [3, false]])), 'lost');
  tt.equal(voteResult(voters, new Map([[1, true], [2, false]])), 'pending');
  tt.equal(voteResult(voters, new Map([[4, true], [5, true]])), 'pending', 'non-voters do not count');
});
