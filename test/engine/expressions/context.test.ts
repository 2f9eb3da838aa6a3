import t from 'tap';
import { ExpressionContext, parseCondition, parseProjection, parseUpdate } from '../../../engine/expressions/index.js';
import { throwsValidation } from './helpers.js';

t.test('the maps are validated when the context is made', async (t) => {
  throwsValidation(t, () => new ExpressionContext({}), 'ExpressionAttributeNames must not be empty');
  throwsValidation(t, () => new ExpressionContext(undefined, {}), 'ExpressionAttributeValues must not be empty');
  throwsValidation(t, () => new ExpressionContext({ a: 'x' }), 'ExpressionAttributeNames contains invalid key: Syntax error; key: "a"');
  throwsValidation(t, () => new ExpressionContext({ '#a-b': 'x' }), 'ExpressionAttributeNames contains invalid key: Syntax error; key: "#a-b"');
  throwsValidation(t, () => new ExpressionContext(undefined, { b: { S: 'x' } }), 'ExpressionAttributeValues contains invalid key: Syntax error; key: "b"');
  throwsValidation(
    t,
    () => new ExpressionContext(undefined, { ':v': { NULL: false as true } }),
    'ExpressionAttributeValues contains invalid value: One or more parameter values were invalid: Null attribute value types must have the value of true for key :v',
  );
});

t.test('unused names and values are refused after all expressions', async (t) => {
  const names = { '#a': 'a', '#b': 'b', '#c': 'c' };
  const values = { ':x': { S: 'x' }, ':y': { S: 'y' } };
  const ctx = new ExpressionContext(names, values);
  parseCondition('#a = :x', ctx);
  throwsValidation(t, () => ctx.assertAllUsed(), 'Value provided in ExpressionAttributeNames unused in expressions: keys: {#b, #c}');
  parseProjection('#b, #c', ctx);
  throwsValidation(t, () => ctx.assertAllUsed(), 'Value provided in ExpressionAttributeValues unused in expressions: keys: {:y}');
  parseUpdate('SET z = :y', ctx);
  ctx.assertAllUsed();
  t.pass('every placeholder used across three expressions');
});

t.test('placeholders used only by a failed expression are not marked', async (t) => {
  const ctx = new ExpressionContext({ '#a': 'a' }, { ':x': { S: 'x' } });
  throwsValidation(t, () => parseCondition('#a = :zz', ctx), 'Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute value: :zz');
  throwsValidation(t, () => ctx.assertAllUsed(), 'Value provided in ExpressionAttributeValues unused in expressions: keys: {:x}');
});
