/**
 * Document paths (`a.b[2].c`): reading them from an item, printing them the
 * way DynamoDB's messages do, and the overlap/conflict rule that forbids two
 * paths of one expression from addressing the same part of a document.
 */
import type { AttributeValue, Item } from '../types.js';
import type { DocumentPath, PathElement } from './ast.js';

/** The value at `path`, or undefined when any step is missing or of the wrong type. */
export function resolvePath(item: Item | undefined, path: DocumentPath): AttributeValue | undefined {
  if (item === undefined) return undefined;
  const [head, ...rest] = path.elements;
  if (head === undefined || head.kind !== 'key') return undefined;
  let current = Object.hasOwn(item, head.name) ? item[head.name] : undefined;
  for (const element of rest) {
    if (current === undefined) return undefined;
    current = step(current, element);
  }
  return current;
}

/** One step into a map or list; undefined when the container does not fit the step. */
export function step(container: AttributeValue, element: PathElement): AttributeValue | undefined {
  if (element.kind === 'key') {
    return 'M' in container && Object.hasOwn(container.M, element.name) ? container.M[element.name] : undefined;
  }
  return 'L' in container ? container.L[element.index] : undefined;
}

/** `[a, b, [2]]`, as in DynamoDB's overlap messages. */
export function formatPath(path: DocumentPath): string {
  return `[${path.elements.map((e) => (e.kind === 'key' ? e.name : `[${e.index}]`)).join(', ')}]`;
}

export function topLevelName(path: DocumentPath): string {
  const head = path.elements[0];
  return head !== undefined && head.kind === 'key' ? head.name : '';
}

export type PathClash = { kind: 'overlap' | 'conflict'; first: DocumentPath; second: DocumentPath };

/**
 * The first pair of paths that overlap (one is a prefix of the other) or
 * conflict (one indexes a list where the other names a map key), checking
 * each path against the ones before it, as DynamoDB does.
 */
export function findPathClash(paths: readonly DocumentPath[]): PathClash | undefined {
  let conflict: PathClash | undefined;
  for (let j = 1; j < paths.length; j++) {
    for (let i = 0; i < j; i++) {
      const clash = comparePaths(paths[i]!, paths[j]!);
      if (clash === 'overlap') return { kind: 'overlap', first: paths[i]!, second: paths[j]! };
      if (clash === 'conflict' && conflict === undefined) conflict = { kind: 'conflict', first: paths[i]!, second: paths[j]! };
    }
  }
  // An overlap anywhere is reported before a conflict.
  return conflict;
}

function comparePaths(a: DocumentPath, b: DocumentPath): 'overlap' | 'conflict' | undefined {
  const shared = Math.min(a.elements.length, b.elements.length);
  for (let i = 0; i < shared; i++) {
    const x = a.elements[i]!;
    const y = b.elements[i]!;
    if (x.kind !== y.kind) return 'conflict';
    if (x.kind === 'key' ? x.name !== (y as { name: string }).name : x.index !== (y as { index: number }).index) return undefined;
  }
  return 'overlap';
}

export function clashMessage(clash: PathClash): string {
  const verb = clash.kind === 'overlap' ? 'overlap' : 'conflict';
  return `Two document paths ${verb} with each other; must remove or rewrite one of these paths; path one: ${formatPath(clash.first)}, path two: ${formatPath(clash.second)}`;
}

export function pathsEqual(a: DocumentPath, b: DocumentPath): boolean {
  return a.elements.length === b.elements.length && comparePaths(a, b) === 'overlap';
}
