/**
 * The DynamoDB data model as it travels on the wire and through the engine.
 * Binary values stay base64 strings (their wire form) inside items; numbers stay
 * decimal strings, never JS floats.
 */

export type AttributeValue =
  | { S: string }
  | { N: string }
  | { B: string }
  | { SS: string[] }
  | { NS: string[] }
  | { BS: string[] }
  | { M: Record<string, AttributeValue> }
  | { L: AttributeValue[] }
  | { NULL: true }
  | { BOOL: boolean };

export type AttributeType = 'S' | 'N' | 'B' | 'SS' | 'NS' | 'BS' | 'M' | 'L' | 'NULL' | 'BOOL';

export type Item = Record<string, AttributeValue>;

/** Key attributes only: one (HASH) or two (HASH and RANGE) entries. */
export type Key = Item;

export type ScalarAttributeType = 'S' | 'N' | 'B';

export interface KeySchemaElement {
  AttributeName: string;
  KeyType: 'HASH' | 'RANGE';
}

export interface AttributeDefinition {
  AttributeName: string;
  AttributeType: ScalarAttributeType;
}
