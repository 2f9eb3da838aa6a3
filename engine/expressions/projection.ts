/**
 * Projects an item onto a list of document paths, as ProjectionExpression and
 * UPDATED_OLD/UPDATED_NEW do: nested paths keep their enclosing maps and
 * lists, missing paths are left out, and the kept elements of a list close
 * up in index order (`a[3]` alone comes back as a one-element list).
 */
import type { AttributeValue, Item } from '../types.js';
import type { DocumentPath } from './ast.js';
import { resolvePath } from './paths.js';

type Node =
  | { readonly kind: 'leaf'; readonly value: AttributeValue }
  | { readonly kind: 'map'; readonly children: Map<string, Node> }
  | { readonly kind: 'list'; readonly children: Map<number, Node> };

export function projectItem(item: Item, paths: readonly DocumentPath[]): Item {
  const root: Node & { kind: 'map' } = { kind: 'map', children: new Map() };
  for (const path of paths) {
    const value = resolvePath(item, path);
    if (value !== undefined) insert(root, path, value);
  }
  const out: Item = {};
  for (const [name, node] of root.children) out[name] = build(node);
  return out;
}

function insert(root: Node & { kind: 'map' }, path: DocumentPath, value: AttributeValue): void {
  let node: Node = root;
  path.elements.forEach((element, i) => {
    if (node.kind === 'leaf') return; // an enclosing path is already kept whole
    const last = i === path.elements.length - 1;
    const children = node.children as Map<string | number, Node>;
    const key = element.kind === 'key' ? element.name : element.index;
    let child = children.get(key);
    if (child === undefined || last) {
      const next = path.elements[i + 1];
      child = last ? { kind: 'leaf', value } : next?.kind === 'index' ? { kind: 'list', children: new Map() } : { kind: 'map', children: new Map() };
      children.set(key, child);
    }
    node = child;
  });
}

function build(node: Node): AttributeValue {
  switch (node.kind) {
    case 'leaf':
      return node.value;
    case 'map': {
      const map: Record<string, AttributeValue> = {};
      for (const [name, child] of node.children) map[name] = build(child);
      return { M: map };
    }
    case 'list':
      return { L: [...node.children.keys()].sort((a, b) => a - b).map((index) => build(node.children.get(index)!)) };
  }
}
