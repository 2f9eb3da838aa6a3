import t from 'tap';
import {
  ConditionalCheckFailedError,
  IdempotentParameterMismatchError,
  InternalError,
  LimitExceededError,
  ResourceInUseError,
  ResourceNotFoundError,
  TableNotFoundError,
  TransactionCanceledError,
  TransactionConflictError,
  TransactionInProgressError,
  ValidationError,
  type EngineError,
} from '../../../engine/errors.js';
import { SerializationError } from '../../../schemas/index.js';
import { ERROR_REGISTRY, ProtocolError, toErrorResponse, type ErrorName } from '../../../server/errors.js';
import { dynamoRequest, testApp } from './helpers.js';

const DDB = 'com.amazonaws.dynamodb.v20120810#';

/** Each engine error, thrown by a handler, and the exact answer DynamoDB gives for it. */
const CASES: Array<{ error: EngineError; status: number; body: Record<string, unknown> }> = [
  {
    error: new ValidationError('One or more parameter values were invalid: Missing the key id in the item'),
    status: 400,
    body: {
      __type: 'com.amazon.coral.validate#ValidationException',
      message: 'One or more parameter values were invalid: Missing the key id in the item',
    },
  },
  { error: new ResourceNotFoundError(), status: 400, body: { __type: `${DDB}ResourceNotFoundException`, message: 'Requested resource not found' } },
  { error: new TableNotFoundError('abc'), status: 400, body: { __type: `${DDB}TableNotFoundException`, message: 'Table not found: abc' } },
  {
    error: new ResourceInUseError('Table already exists: abc'),
    status: 400,
    body: { __type: `${DDB}ResourceInUseException`, message: 'Table already exists: abc' },
  },
  {
    error: new ConditionalCheckFailedError(),
    status: 400,
    body: { __type: `${DDB}ConditionalCheckFailedException`, message: 'The conditional request failed' },
  },
  {
    error: new ConditionalCheckFailedError({ id: { S: 'a' } }),
    status: 400,
    body: { __type: `${DDB}ConditionalCheckFailedException`, message: 'The conditional request failed', Item: { id: { S: 'a' } } },
  },
  {
    error: new TransactionCanceledError([{ Code: 'None' }, { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed' }]),
    status: 400,
    body: {
      __type: `${DDB}TransactionCanceledException`,
      Message: 'Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed]',
      CancellationReasons: [{ Code: 'None' }, { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed' }],
    },
  },
  {
    error: new TransactionConflictError(),
    status: 400,
    body: { __type: `${DDB}TransactionConflictException`, message: 'Transaction is ongoing for the item' },
  },
  {
    error: new TransactionInProgressError(),
    status: 400,
    body: { __type: `${DDB}TransactionInProgressException`, message: 'The transaction with the given request token is already in progress.' },
  },
  {
    error: new IdempotentParameterMismatchError(),
    status: 400,
    body: {
      __type: `${DDB}IdempotentParameterMismatchException`,
      message: 'The request uses the same client token as a previous, but non-identical request.',
    },
  },
  {
    error: new LimitExceededError('Too many tables'),
    status: 400,
    body: { __type: `${DDB}LimitExceededException`, message: 'Too many tables' },
  },
  {
    error: new InternalError('broken invariant'),
    status: 500,
    body: { __type: `${DDB}InternalServerError`, message: 'broken invariant' },
  },
];

t.test('every engine error thrown by a handler is answered as DynamoDB answers it', async (t) => {
  for (const { error, status, body } of CASES) {
    const { app } = await testApp({
      PutItem: async () => {
        throw error;
      },
    });
    const response = await dynamoRequest(app, 'PutItem', { TableName: 'abc', Item: { id: { S: 'a' } } });
    t.equal(response.statusCode, status, error.code);
    t.same(response.json(), body, error.code);
    t.equal(response.headers['content-type'], 'application/x-amz-json-1.0');
    await app.close();
  }
});

t.test('a ConditionalCheckFailed without an item has no Item member', async (t) => {
  const { body } = toErrorResponse(new ConditionalCheckFailedError());
  t.notOk('Item' in body);
});

t.test('protocol errors use the coral prefixes and their message keys', async (t) => {
  t.same(toErrorResponse(new ProtocolError('UnknownOperationException')), {
    statusCode: 400,
    body: { __type: 'com.amazon.coral.service#UnknownOperationException' },
  });
  t.same(toErrorResponse(new ProtocolError('SerializationException', 'Unexpected field type')), {
    statusCode: 400,
    body: { __type: 'com.amazon.coral.service#SerializationException', Message: 'Unexpected field type' },
  });
  t.same(toErrorResponse(new SerializationError('NUMBER_VALUE cannot be converted to String')), {
    statusCode: 400,
    body: { __type: 'com.amazon.coral.service#SerializationException', Message: 'NUMBER_VALUE cannot be converted to String' },
  });
  t.same(toErrorResponse(new ProtocolError('UnrecognizedClientException')), {
    statusCode: 400,
    body: { __type: 'com.amazon.coral.service#UnrecognizedClientException', message: 'The security token included in the request is invalid.' },
  });
});

t.test('anything else is a bare InternalServerError', async (t) => {
  for (const thrown of [new Error('x'), 'a string', undefined, { code: 'ValidationException' }]) {
    t.same(toErrorResponse(thrown), {
      statusCode: 500,
      body: { __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'Internal server error' },
    });
  }
});

t.test('the registry gives every error a status and a known prefix', async (t) => {
  const prefixes = new Set(['com.amazonaws.dynamodb.v20120810', 'com.amazon.coral.service', 'com.amazon.coral.validate', 'com.amazon.coral.availability']);
  for (const name of Object.keys(ERROR_REGISTRY) as ErrorName[]) {
    const entry = ERROR_REGISTRY[name];
    t.ok(prefixes.has(entry.prefix), name);
    t.ok(entry.statusCode >= 400 && entry.statusCode < 600, name);
    // Only server faults may be 5xx.
    t.equal(entry.statusCode >= 500, name === 'InternalServerError' || name === 'ServiceUnavailableException', name);
  }
});
