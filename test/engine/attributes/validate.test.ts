import t from 'tap';
import {
  attributeValueProblem,
  MAX_NESTING_DEPTH,
  validateExpressionAttributeValues,
  validateItemAttributes,
} from '../../../engine/attributes/validate.js';
import type { AttributeValue } from '../../../engine/types.js';
import { throwsValidation } from '../expressions/helpers.js';

const INVALID = 'One or more parameter values were invalid: ';
const EMPTY = 'Supplied AttributeValue is empty, must contain exactly one of the supported datatypes';
const MULTIPLE = 'Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes';

const bad = (v: unknown): AttributeValue => v as AttributeValue;

const invalid: [string, AttributeValue, string][] = [
  ['empty value', bad({}), EMPTY],
  ['empty value inside a map', { M: { a: bad({}) } }, EMPTY],
  ['empty value inside a list', { L: [bad({})] }, EMPTY],
  ['two datatypes', bad({ S: 'a', N: '1' }), MULTIPLE],
  ['NULL false', bad({ NULL: false }), `${INVALID}Null attribute value types must have the value of true`],
  ['empty SS (double space is DynamoDB\'s)', { SS: [] }, `${INVALID}An string set  may not be empty`],
  ['empty NS', { NS: [] }, `${INVALID}An number set  may not be empty`],
  ['empty BS', { BS: [] }, `${INVALID}Binary sets should not be empty`],
  ['duplicate SS', { SS: ['a', 'a'] }, `${INVALID}Input collection [a, a] contains duplicates.`],
  ['duplicate BS', { BS: ['Yg==', 'Yg=='] }, `${INVALID}Input collection [Yg==, Yg==]of type BS contains duplicates.`],
  ['duplicate NS', { NS: ['1', '1'] }, 'Input collection contains duplicates'],
  ['numerically duplicate NS', { NS: ['1', '1.0'] }, 'Input collection contains duplicates'],
  ['bad number', { N: 'b' }, 'The parameter cannot be converted to a numeric value: b'],
  ['empty number', { N: '' }, 'The parameter cannot be converted to a numeric value'],
  ['number error wins over two datatypes', bad({ S: 'a', N: '' }), 'The parameter cannot be converted to a numeric value'],
  ['bad number in NS', { NS: ['1', 'b'] }, 'The parameter cannot be converted to a numeric value: b'],
  ['too many digits', { N: '123456789012345678901234567890123456789' }, 'Attempting to store more than 38 significant digits in a Number'],
  ['overflow', { N: '1e126' }, 'Number overflow. Attempting to store a number with magnitude larger than supported range'],
  ['underflow', { N: '-1e-131' }, 'Number underflow. Attempting to store a number with magnitude smaller than supported range'],
  ['base64 length', { B: 'abc' }, 'Base64 encoded length is expected a multiple of 4 bytes but found: 3'],
  ['base64 characters', { B: 'ab!=' }, 'Invalid last non-pad Base64 character dectected'],
  ['base64 in BS', { BS: ['Yg==', 'Y'] }, 'Base64 encoded length is expected a multiple of 4 bytes but found: 1'],
];

t.test('invalid values', async (t) => {
  for (const [label, value, message] of invalid) {
    t.equal(attributeValueProblem(value), message, label);
    throwsValidation(t, () => validateItemAttributes({ a: value }), message, label);
  }
});

t.test('valid values', async (t) => {
  const valid: AttributeValue[] = [
    { S: '' },
    { S: 'héllo' },
    { N: '-1.5e3' },
    { B: '' },
    { B: 'AAEC' },
    { BOOL: false },
    { NULL: true },
    { SS: ['a', 'b'] },
    { NS: ['1', '2'] },
    { BS: ['AA==', 'AQ=='] },
    { L: [] },
    { M: {} },
    { M: { a: { L: [{ N: '1' }, { M: { b: { S: 'x' } } }] } } },
  ];
  for (const value of valid) t.equal(attributeValueProblem(value), undefined, JSON.stringify(value));
});

t.test('nesting depth is bounded', async (t) => {
  let value: AttributeValue = { S: 'leaf' };
  for (let i = 0; i < MAX_NESTING_DEPTH; i++) value = { L: [value] };
  t.equal(attributeValueProblem(value), undefined, `${MAX_NESTING_DEPTH} levels are fine`);
  t.equal(attributeValueProblem({ M: { a: value } }), 'Nesting Levels have exceeded supported limits');
});

t.test('ExpressionAttributeValues wrap the message with the key', async (t) => {
  throwsValidation(
    t,
    () => validateExpressionAttributeValues({ ':ok': { S: 'x' }, ':bad': { SS: [] } }),
    `ExpressionAttributeValues contains invalid value: ${INVALID}An string set  may not be empty for key :bad`,
  );
  validateExpressionAttributeValues({ ':ok': { S: 'x' } });
  t.pass('valid values pass');
});
