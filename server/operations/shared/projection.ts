/**
 * What a read returns of an item: the whole item, a ProjectionExpression, or
 * (legacy) the top-level names of AttributesToGet.
 */
import { projectItem, type ProjectionAst } from '../../../engine/expressions/index.js';
import type { Item } from '../../../engine/types.js';

export function shapeItem(item: Item, projection: ProjectionAst | undefined, attributesToGet: readonly string[] | undefined): Item {
  if (projection !== undefined) return projectItem(item, projection);
  if (attributesToGet !== undefined) {
    const out: Item = {};
    for (const name of attributesToGet) {
      const value = item[name];
      if (value !== undefined) out[name] = value;
    }
    return out;
  }
  return item;
}
