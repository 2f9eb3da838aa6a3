/**
 * DynamoDB expressions: parse condition, filter, key condition, update and
 * projection expressions into typed trees, then evaluate, apply or project
 * them. Parse every expression of a request with one ExpressionContext and
 * call `assertAllUsed()` at the end.
 */
export type {
  Comparator,
  ConditionAst,
  DocumentPath,
  KeyConditionAst,
  KeyConditionTerm,
  Operand,
  PathElement,
  ProjectionAst,
  SetAction,
  SetValue,
  SortKeyComparator,
  UpdateAst,
  UpdateOperand,
  ValueAction,
} from './ast.js';
export { path } from './ast.js';
export { ExpressionContext } from './context.js';
export { ExpressionSyntaxError, type ExpressionKind } from './errors.js';
export { parseCondition, parseProjection, parseUpdate, EXPRESSION_MAX_BYTES, type ConditionKind } from './parser.js';
export { parseKeyCondition, keyConditionOf, bindKeyCondition, type BoundKeyCondition, type KeySchemaNames } from './key-condition.js';
export { evaluateCondition } from './evaluate.js';
export { applyUpdate, updatedPaths, updateTargets, UPDATE_MESSAGES } from './update.js';
export { projectItem } from './projection.js';
export { resolvePath, formatPath } from './paths.js';
export { printCondition, printProjection, printUpdate, type PrintedExpression } from './printer.js';
