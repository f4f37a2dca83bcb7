import type { ConnectionLike } from '@temporalio/client';
import type { SearchAttributeType } from '@temporalio/common';
import {
  encodeSearchAttributeIndexedValueType,
  type SearchAttributeKey,
} from '@temporalio/common/lib/search-attributes';

/**
 * A workflow that upserts a search attribute the namespace does not know has every workflow task
 * refused ("BadSearchAttributes"): it stalls, retried but never progressing, until someone registers the
 * attribute. A server started on an existing database keeps the attributes it had, so a release that adds
 * one must register it first; these helpers say which are missing and, for the local dev server, add them.
 */

type Keys = readonly SearchAttributeKey<SearchAttributeType>[];

/** The keys the namespace does not have yet. */
export async function missingSearchAttributes(
  connection: Pick<ConnectionLike, 'operatorService'>,
  namespace: string,
  keys: Keys,
): Promise<SearchAttributeKey<SearchAttributeType>[]> {
  const known = await connection.operatorService.listSearchAttributes({ namespace });
  const names = new Set([
    ...Object.keys(known.customAttributes ?? {}),
    ...Object.keys(known.systemAttributes ?? {}),
  ]);
  return keys.filter((key) => !names.has(key.name));
}

/** Registers the missing keys (the local dev server; a real cluster is its operator's to change). */
export async function addSearchAttributes(
  connection: Pick<ConnectionLike, 'operatorService'>,
  namespace: string,
  keys: Keys,
): Promise<void> {
  if (keys.length === 0) return;
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(
      keys.map((key) => [key.name, encodeSearchAttributeIndexedValueType(key.type)!]),
    ),
  });
}

/** What an operator runs to register `keys` (docs/deploying.md). */
export function searchAttributeCommands(keys: Keys, namespace: string): string[] {
  const ns = namespace === 'default' ? '' : ` --namespace ${namespace}`;
  return keys.map(
    (key) =>
      `temporal operator search-attribute create${ns} --name ${key.name} --type ${key.type[0]}${key.type
        .slice(1)
        .toLowerCase()
        .replace(/_list$/, 'List')}`,
  );
}
