/**
 * The cluster shape and fault mix of one simulation seed: the seed alone
 * determines everything, so a failing seed replays exactly.
 */
import type { ReadOnlyOption } from '../../consensus/raft.js';
import type { SimOptions } from './sim-cluster.js';

const STEPS_PER_SEED = 300;

/** Every seed picks its own cluster shape and fault mix, so the seed alone reproduces it. */
export function optionsForSeed(seed: number): SimOptions {
  const variant = seed % 4;
  const readOnly: ReadOnlyOption = variant === 3 ? 'lease-based' : 'safe';
  return {
    seed,
    nodes: seed % 2 === 0 ? 3 : 5,
    steps: STEPS_PER_SEED,
    preVote: variant >= 1,
    checkQuorum: variant >= 2,
    readOnly,
    // Three network climates, from calm to stormy, rotate with the seed. Round trips stay
    // below the election timeout, as in any sane deployment; beyond it leaders churn forever.
    network: [
      { dropRate: 0.02, duplicateRate: 0.01, minDelay: 1, maxDelay: 2 },
      { dropRate: 0.05, duplicateRate: 0.02, minDelay: 1, maxDelay: 4 },
      { dropRate: 0.15, duplicateRate: 0.05, minDelay: 1, maxDelay: 5 },
    ][Math.floor(seed / 4) % 3]!,
    crashRate: 0.004,
    restartRate: 0.05,
    partitionRate: 0.01,
    healRate: 0.05,
    proposeRate: 0.5,
    readRate: 0.3,
    compactRate: 0.02,
    transferRate: 0.01,
    spares: 2,
    membershipRate: 0.01,
    maxInflightMsgs: 4,
    minClockRate: 0.9,
  };
}

