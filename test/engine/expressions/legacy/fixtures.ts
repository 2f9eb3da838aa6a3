/** The item and values the legacy tests evaluate against. */
import type { AttributeValue, Item } from '../../../../engine/types.js';
import { B, N, S } from '../helpers.js';

export const bin = (text: string): string => Buffer.from(text).toString('base64');

/** One attribute of every type, so each operator meets matching and mismatching types. */
export const ITEM: Item = {
  s: S('hello'),
  n: N('5'),
  b: B('abc'),
  ss: { SS: ['x', 'y'] },
  ns: { NS: ['1', '2'] },
  bs: { BS: [bin('p'), bin('q')] },
  l: { L: [S('x'), N('1')] },
  m: { M: { k: S('v') } },
  nul: { NULL: true },
  bool: { BOOL: true },
};

export { B, N, S };
export type { AttributeValue, Item };
