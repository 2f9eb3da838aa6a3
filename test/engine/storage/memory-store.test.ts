import t from 'tap';
import { MemoryStore } from '../../../engine/storage/memory/memory-store.js';
import { kvStoreSuite } from './kv-store-suite.js';

kvStoreSuite(t, async () => {
  const store = new MemoryStore();
  return { store, dispose: () => store.close() };
});
