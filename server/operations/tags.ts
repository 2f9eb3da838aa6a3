/**
 * TagResource, UntagResource and ListTagsOfResource on table ARNs.
 */
import { ValidationError } from '../../engine/errors.js';
import type { TableDefinition } from '../../engine/catalog/table.js';
import type { OperationHandler } from './registry.js';
import type { OperationDeps } from './deps.js';

/** DynamoDB's limit of tags per resource. */
export const MAX_TAGS_PER_RESOURCE = 50;

const TABLE_ARN = /^arn:aws:dynamodb:[^:]+:\d+:table\/([a-zA-Z0-9_.-]{3,255})$/;

type Tag = { Key: string; Value: string };

/** DynamoDB checks that an ARN is present before anything else. */
function requireArn(raw: Record<string, unknown>): string {
  const arn = raw.ResourceArn;
  if (typeof arn !== 'string') throw new ValidationError('Invalid TableArn');
  return arn;
}

function checkArn(arn: string): void {
  if (!TABLE_ARN.test(arn)) throw new ValidationError(`Invalid TableArn: Invalid ResourceArn provided as input ${arn}`);
}

function notNull(member: string): string {
  return `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`;
}

function tableOf(deps: OperationDeps, arn: string, notFound: string): TableDefinition {
  checkArn(arn);
  const name = TABLE_ARN.exec(arn)![1]!;
  return deps.engine.catalog.require(name, notFound);
}

export function tagResource(deps: OperationDeps): OperationHandler {
  return async (raw) => {
    const arn = requireArn(raw);
    const tags = raw.Tags as Tag[] | undefined;
    if (tags === undefined) throw new ValidationError(notNull('tags'));
    checkArn(arn);
    if (tags.length === 0) throw new ValidationError('Atleast one Tag needs to be provided as Input.');
    const table = tableOf(deps, arn, `Requested resource not found: ResourcArn: ${arn} not found`);
    await deps.engine.catalog.update(table.name, (current) => {
      const merged = new Map((current.tags ?? []).map((tag) => [tag.Key, tag.Value]));
      for (const tag of tags) merged.set(tag.Key, tag.Value);
      if (merged.size > MAX_TAGS_PER_RESOURCE) {
        throw new ValidationError(`The number of tags exceeds the limit of ${MAX_TAGS_PER_RESOURCE}`);
      }
      return { ...current, tags: [...merged].map(([Key, Value]) => ({ Key, Value })) };
    });
    return {};
  };
}

export function untagResource(deps: OperationDeps): OperationHandler {
  return async (raw) => {
    const arn = requireArn(raw);
    const tagKeys = raw.TagKeys as string[] | undefined;
    if (tagKeys === undefined) throw new ValidationError(notNull('tagKeys'));
    checkArn(arn);
    if (tagKeys.length === 0) throw new ValidationError('Atleast one Tag Key needs to be provided as Input.');
    const keys = new Set(tagKeys);
    const table = tableOf(deps, arn, 'Requested resource not found');
    await deps.engine.catalog.update(table.name, (current) => ({
      ...current,
      tags: (current.tags ?? []).filter((tag) => !keys.has(tag.Key)),
    }));
    return {};
  };
}

export function listTagsOfResource(deps: OperationDeps): OperationHandler {
  return async (raw) => {
    const arn = requireArn(raw);
    const table = tableOf(deps, arn, `Requested resource not found: ResourcArn: ${arn} not found`);
    return { Tags: table.tags ?? [] };
  };
}
