/**
 * DynamoDB reports one semantic problem per expression, chosen by category
 * (a reserved word before an undefined placeholder, say), not by position.
 * This collects the first problem of each category while a tree is resolved
 * and names the one DynamoDB would report.
 */

export type ProblemCategory =
  | 'parentheses'
  | 'unknownFunction'
  | 'misusedFunction'
  | 'reserved'
  | 'section'
  | 'placeholder'
  | 'overlap'
  | 'conflict'
  | 'arity'
  | 'distinct'
  | 'operator'
  | 'function';

export const CONDITION_PROBLEM_ORDER: readonly ProblemCategory[] = [
  'parentheses',
  'unknownFunction',
  'misusedFunction',
  'reserved',
  'placeholder',
  'arity',
  'distinct',
  'function',
];

export const UPDATE_PROBLEM_ORDER: readonly ProblemCategory[] = [
  'reserved',
  'unknownFunction',
  'section',
  'placeholder',
  'overlap',
  'conflict',
  'operator',
  'arity',
  'function',
];

export const PROJECTION_PROBLEM_ORDER: readonly ProblemCategory[] = ['reserved', 'placeholder', 'overlap', 'conflict'];

export class Problems {
  private readonly found = new Map<ProblemCategory, string>();

  constructor(private readonly order: readonly ProblemCategory[]) {}

  report(category: ProblemCategory, message: string): void {
    if (!this.found.has(category)) this.found.set(category, message);
  }

  /** The problem DynamoDB would report, if any. */
  first(): string | undefined {
    for (const category of this.order) {
      const message = this.found.get(category);
      if (message !== undefined) return message;
    }
    return undefined;
  }
}
