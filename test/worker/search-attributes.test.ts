import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { CUSTOM_SEARCH_ATTRIBUTES } from '../../src/contracts/search-attributes';
import {
  addSearchAttributes,
  missingSearchAttributes,
  searchAttributeCommands,
} from '../../src/platform/temporal/search-attributes';
import { useTestConnection } from '../helpers/temporal';

/**
 * A run upserting an attribute its namespace lacks stalls; the worker names what is missing at start and
 * the local dev server registers what a database from an earlier release lacks.
 */
const t = useTestConnection();

describe('search attributes on the namespace', () => {
  it("finds none of the project's missing on the test server, and registers a new one once", async () => {
    expect(await missingSearchAttributes(t.connection, 'default', CUSTOM_SEARCH_ATTRIBUTES)).toEqual([]);
    const added = defineSearchAttributeKey(`KycTest${Date.now()}`, SearchAttributeType.KEYWORD);
    expect(await missingSearchAttributes(t.connection, 'default', [added])).toEqual([added]);
    await addSearchAttributes(t.connection, 'default', [added]);
    expect(await missingSearchAttributes(t.connection, 'default', [added])).toEqual([]);
  });

  it('tells an operator the exact commands', () => {
    const list = defineSearchAttributeKey('KycTags', SearchAttributeType.KEYWORD_LIST);
    expect(searchAttributeCommands(CUSTOM_SEARCH_ATTRIBUTES.slice(-1), 'default')).toEqual([
      'temporal operator search-attribute create --name KycProviderOutage --type Bool',
    ]);
    expect(searchAttributeCommands([list], 'kyc')).toEqual([
      'temporal operator search-attribute create --namespace kyc --name KycTags --type KeywordList',
    ]);
  });
});
