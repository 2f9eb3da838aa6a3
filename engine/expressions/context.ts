/**
 * ExpressionAttributeNames and ExpressionAttributeValues of one request,
 * shared by all of its expressions. It validates both maps as DynamoDB does,
 * resolves placeholders, and remembers which ones were used so that unused
 * ones can be refused once every expression is parsed.
 */
import { validateExpressionAttributeValues } from '../attributes/validate.js';
import { ValidationError } from '../errors.js';
import type { AttributeValue } from '../types.js';

const NAME_KEY = /^#[0-9a-zA-Z_]+$/;
const VALUE_KEY = /^:[0-9a-zA-Z_]+$/;

export class ExpressionContext {
  private readonly names: ReadonlyMap<string, string>;
  private readonly values: ReadonlyMap<string, AttributeValue>;
  private readonly usedNames = new Set<string>();
  private readonly usedValues = new Set<string>();

  constructor(names?: Record<string, string>, values?: Record<string, AttributeValue>) {
    if (names !== undefined) checkKeys('ExpressionAttributeNames', names, NAME_KEY);
    if (values !== undefined) {
      checkKeys('ExpressionAttributeValues', values, VALUE_KEY);
      validateExpressionAttributeValues(values);
    }
    this.names = new Map(Object.entries(names ?? {}));
    this.values = new Map(Object.entries(values ?? {}));
  }

  /** The attribute name behind `#ref`, marking it used; undefined when not defined. */
  resolveName(ref: string): string | undefined {
    const name = this.names.get(ref);
    if (name !== undefined) this.usedNames.add(ref);
    return name;
  }

  /** The value behind `:ref`, marking it used; undefined when not defined. */
  resolveValue(ref: string): AttributeValue | undefined {
    const value = this.values.get(ref);
    if (value !== undefined) this.usedValues.add(ref);
    return value;
  }

  /** Call after parsing every expression of the request. */
  assertAllUsed(): void {
    const unusedNames = [...this.names.keys()].filter((k) => !this.usedNames.has(k));
    if (unusedNames.length > 0) {
      throw new ValidationError(`Value provided in ExpressionAttributeNames unused in expressions: keys: {${unusedNames.join(', ')}}`);
    }
    const unusedValues = [...this.values.keys()].filter((k) => !this.usedValues.has(k));
    if (unusedValues.length > 0) {
      throw new ValidationError(`Value provided in ExpressionAttributeValues unused in expressions: keys: {${unusedValues.join(', ')}}`);
    }
  }
}

function checkKeys(parameter: string, map: Record<string, unknown>, pattern: RegExp): void {
  const keys = Object.keys(map);
  if (keys.length === 0) throw new ValidationError(`${parameter} must not be empty`);
  for (const key of keys) {
    if (!pattern.test(key)) throw new ValidationError(`${parameter} contains invalid key: Syntax error; key: "${key}"`);
  }
}
