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

function tableOf(deps: OperationDeps, arn: string, notFound: string): TableDefinition {
  const match = TABLE_ARN.exec(arn);
  if (match === null) throw new ValidationError(`Invalid TableArn: Invalid ResourceArn provided as input ${arn}`);
  return deps.engine.catalog.require(match[1]!, notFound);
}

export function tagResource(deps: OperationDeps): OperationHandler {
  return async (raw) => {
    const arn = raw.ResourceArn as string;
    const tags = raw.Tags as Tag[];
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
    const arn = raw.ResourceArn as string;
    const keys = new Set(raw.TagKeys as string[]);
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
    const arn = raw.ResourceArn as string;
    const table = tableOf(deps, arn, `Requested resource not found: ResourcArn: ${arn} not found`);
    return { Tags: table.tags ?? [] };
  };
}
