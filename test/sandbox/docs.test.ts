import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SANDBOX_ENV_VARIABLES } from '../../src/sandbox/config';
import { DEFAULT_SETTINGS, SCREENING_RULES } from '../../src/sandbox/mesh';
import { FAULT_KINDS } from '../../src/sandbox/mesh/faults';
import { settingsPatchSchema } from '../../src/sandbox/mesh/settings';
import { SCREENING_TABLE_HEADER, screeningTableRows } from '../../src/sandbox/mesh/screening-rules';

/** docs/sandbox.md prints the screening table; these tests keep it in step with SCREENING_RULES. */
const DOC = readFileSync(join(__dirname, '..', '..', 'docs', 'sandbox.md'), 'utf8');

/** The cells of the markdown table between the screening-table markers (prettier may pad them). */
function documentedTable(): string[][] {
  const start = DOC.indexOf('<!-- screening-table:start -->');
  const end = DOC.indexOf('<!-- screening-table:end -->');
  if (start < 0 || end < start) throw new Error('docs/sandbox.md has no screening-table markers');
  return DOC.slice(start, end)
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .map((line) =>
      line
        .slice(1, -1)
        .split('|')
        .map((cell) => cell.trim()),
    )
    .filter((cells) => !cells.every((cell) => /^-+$/.test(cell)));
}

describe('docs/sandbox.md', () => {
  it('lists every screening rule name', () => {
    const names = documentedTable().map((row) => row[0]);
    for (const rule of SCREENING_RULES) expect(names).toContain(`\`${rule.name}\``);
  });

  it('prints exactly the rows generated from SCREENING_RULES, in order', () => {
    const [header, ...rows] = documentedTable();
    expect(header).toEqual([...SCREENING_TABLE_HEADER]);
    expect(rows).toEqual(screeningTableRows());
  });

  it('documents every setting, readable or writable, in the settings table', () => {
    const keys = new Set([...Object.keys(DEFAULT_SETTINGS), ...Object.keys(settingsPatchSchema.shape)]);
    expect(keys).toContain('refuseTokensForMs');
    for (const key of keys) expect(DOC).toMatch(new RegExp(`^\\| \`${key}\` +\\|`, 'm'));
  });

  it('documents every fault kind in the fault table', () => {
    for (const kind of FAULT_KINDS) expect(DOC).toMatch(new RegExp(`^\\| \`${kind}\` +\\|`, 'm'));
  });

  it('documents every SANDBOX_* variable the configuration reads', () => {
    expect(SANDBOX_ENV_VARIABLES.length).toBeGreaterThan(10);
    for (const variable of SANDBOX_ENV_VARIABLES) expect(DOC).toContain(`| \`${variable}\``);
  });
});
