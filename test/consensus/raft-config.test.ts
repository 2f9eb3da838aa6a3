import t from 'tap';
import { RawNode } from '../../consensus/raw-node.js';
import { SeededRandom } from '../../consensus/random.js';
import { MemoryStorage } from '../../consensus/storage.js';

const base = () => ({ id: 1, electionTick: 10, heartbeatTick: 1, storage: MemoryStorage.bootstrap([1, 2, 3]), random: new SeededRandom(1) });

t.test('lease-based reads are refused without CheckQuorum', async (tt) => {
  tt.throws(() => new RawNode({ ...base(), readOnly: 'lease-based' }), { code: 'InvalidConfig' });
  tt.ok(new RawNode({ ...base(), readOnly: 'lease-based', checkQuorum: true }));
});

t.test('the lease must be shorter than the election timeout', async (tt) => {
  tt.throws(() => new RawNode({ ...base(), readOnly: 'lease-based', checkQuorum: true, leaseTicks: 9 }), { code: 'InvalidConfig' });
  tt.ok(new RawNode({ ...base(), readOnly: 'lease-based', checkQuorum: true, leaseTicks: 8 }));
});

t.test('other invalid configurations', async (tt) => {
  tt.throws(() => new RawNode({ ...base(), id: 0 }), { code: 'InvalidConfig' });
  tt.throws(() => new RawNode({ ...base(), electionTick: 1 }), { code: 'InvalidConfig' });
  tt.throws(() => new RawNode({ ...base(), maxInflightMsgs: 0 }), { code: 'InvalidConfig' });
});

t.test('the network cannot inject local-only messages', async (tt) => {
  const n = new RawNode(base());
  tt.throws(() => n.step({ type: 'hup', transfer: false, from: 2, to: 1, term: 0 }), { code: 'InvalidMessage' });
});
