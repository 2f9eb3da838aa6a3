/**
 * A group's Raft storage wrapped to add behaviour around its log (lazily
 * built snapshots on a cluster node; the TSO's self-compacting log): every
 * Storage read and `stage` goes to the wrapped storage unless a subclass
 * overrides it.
 */
import type { StagingStorage } from '../host.js';
import type { Entry, HardState, Snapshot } from '../messages.js';
import type { InitialState } from '../storage.js';
import type { RaftKvWrite } from './kv-port.js';

export abstract class ForwardingStorage<S extends StagingStorage> implements StagingStorage {
  constructor(readonly log: S) {}

  initialState(): InitialState {
    return this.log.initialState();
  }

  entries(lo: number, hi: number, maxSizeBytes: number): Entry[] {
    return this.log.entries(lo, hi, maxSizeBytes);
  }

  term(index: number): number {
    return this.log.term(index);
  }

  lastIndex(): number {
    return this.log.lastIndex();
  }

  firstIndex(): number {
    return this.log.firstIndex();
  }

  snapshot(): Snapshot {
    return this.log.snapshot();
  }

  stage(rd: { snapshot: Snapshot | undefined; entries: readonly Entry[]; hardState: HardState | undefined }): RaftKvWrite[] {
    return this.log.stage(rd);
  }
}
