/**
 * The ValidationErrors expressions raise, worded as DynamoDB words them:
 * "Invalid <ExpressionKind>: <detail>".
 */
import { ValidationError } from '../errors.js';

export type ExpressionKind =
  | 'ConditionExpression'
  | 'UpdateExpression'
  | 'ProjectionExpression'
  | 'KeyConditionExpression'
  | 'FilterExpression';

export function invalidExpression(kind: ExpressionKind, detail: string): ValidationError {
  return new ValidationError(`Invalid ${kind}: ${detail}`);
}

/** A token the grammar does not allow where it stands; `near` shows it with its neighbours. */
export class ExpressionSyntaxError extends ValidationError {
  constructor(
    kind: ExpressionKind,
    readonly token: string,
    readonly near: string,
    /** Index of the offending token, so a backtracking parser can keep the furthest failure. */
    readonly position: number,
  ) {
    super(`Invalid ${kind}: Syntax error; token: "${token}", near: "${near}"`);
  }
}
