/**
 * AttributeUpdates (UpdateItem): per top-level attribute, PUT (the default)
 * sets the Value, ADD adds a number, unites a set or appends a list, DELETE
 * removes values from a set or, without a Value, the attribute itself.
 * The result is an UpdateAst marked `legacy`, which makes applyUpdate append
 * lists on ADD and word type errors as "Type mismatch for attribute to
 * update"; updatedPaths() / updateTargets() work on it unchanged.
 */
import { typeOf } from '../../attributes/datatype.js';
import { validateAttributeValue } from '../../attributes/validate.js';
import { ValidationError } from '../../errors.js';
import type { AttributeType } from '../../types.js';
import { path, type DocumentPath, type SetAction, type UpdateAst, type ValueAction } from '../ast.js';
import { INVALID_PARAMETER } from './comparison-operator.js';
import type { AttributeUpdatesMap } from './wire.js';

export const ATTRIBUTE_UPDATES_MESSAGES = {
  valueRequired: `${INVALID_PARAMETER}Only DELETE action is allowed when no attribute value is specified`,
  deleteType: (type: AttributeType): string => `${INVALID_PARAMETER}DELETE action with value is not supported for the type ${type}`,
  addType: (type: AttributeType): string => `${INVALID_PARAMETER}ADD action is not supported for the type ${type}`,
} as const;

const DELETE_TYPES: readonly AttributeType[] = ['SS', 'NS', 'BS'];
const ADD_TYPES: readonly AttributeType[] = ['N', 'SS', 'NS', 'BS', 'L'];

/** Throws ValidationError with DynamoDB's messages, checking attributes in request order. */
export function attributeUpdatesToUpdate(attributeUpdates: AttributeUpdatesMap): UpdateAst {
  const set: SetAction[] = [];
  const remove: DocumentPath[] = [];
  const add: ValueAction[] = [];
  const del: ValueAction[] = [];
  for (const [name, { Action: action = 'PUT', Value: value }] of Object.entries(attributeUpdates)) {
    if (value !== undefined) validateAttributeValue(value);
    const target = path(name);
    if (value === undefined) {
      if (action !== 'DELETE') throw new ValidationError(ATTRIBUTE_UPDATES_MESSAGES.valueRequired);
      remove.push(target);
      continue;
    }
    const type = typeOf(value);
    switch (action) {
      case 'PUT':
        set.push({ path: target, value: { kind: 'value', value } });
        break;
      case 'ADD':
        if (!ADD_TYPES.includes(type)) throw new ValidationError(ATTRIBUTE_UPDATES_MESSAGES.addType(type));
        add.push({ path: target, value });
        break;
      case 'DELETE':
        if (!DELETE_TYPES.includes(type)) throw new ValidationError(ATTRIBUTE_UPDATES_MESSAGES.deleteType(type));
        del.push({ path: target, value });
        break;
    }
  }
  return { kind: 'update', set, remove, add, delete: del, legacy: true };
}
