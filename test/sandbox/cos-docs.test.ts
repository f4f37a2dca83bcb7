import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PARTNER_ID, personal, useCosSandbox } from './cos-client';

/** docs/providers/cos-sandbox.md's scan table, row by row, against what the sandbox does. */
const DOC = readFileSync(join(__dirname, '../../docs/providers/cos-sandbox.md'), 'utf8');
const STATUS = /Pending|Clear|Failed|Reviewing|Positive/g;

/** A customer for each documented row (the row's first cell). */
const SAMPLES: Record<string, Record<string, unknown>> = {
  'Vladimir Putin': personal('Vladimir', 'Putin', '1952-10-07'),
  'Francisco Javier Arellano Félix, born 1969-12-11': personal(
    'Francisco Javier',
    'Arellano Félix',
    '1969-12-11',
  ),
  'Francisco Javier Arellano Félix, another birth date': personal(
    'Francisco Javier',
    'Arellano Félix',
    '1970-01-01',
  ),
  'Blue Star Diamond (any classification)': {
    partnerId: PARTNER_ID,
    classification: 'Business',
    businessName: 'Blue Star Diamond',
  },
  'containing "Pepreview"': personal('Paula', 'Pepreview'),
  'containing "Review" (not "Pepreview")': personal('Rita', 'Review'),
  'anyone else': personal(),
};

function scanTable(): { name: string; ofac: string; pepScan: string }[] {
  const section = DOC.slice(DOC.indexOf('## Scan table'), DOC.indexOf('## Webhooks and events'));
  return section
    .split('\n')
    .filter((line) => line.startsWith('| ') && !line.startsWith('| name') && !line.startsWith('| ---'))
    .map((line) => {
      const [name, ofac, pepScan] = line
        .split('|')
        .slice(1, 4)
        .map((cell) => cell.trim());
      // Where a scan ends without an analyst: the last status the cell names.
      const last = (cell: string) => cell.match(STATUS)?.at(-1) ?? '?';
      return { name: name!, ofac: last(ofac!), pepScan: last(pepScan!) };
    });
}

describe('COS sandbox: the documented scan table', () => {
  const { api, control } = useCosSandbox({ scanDelayMs: 10, reviewDelayMs: 60 });

  it('names the rows this test knows', () => {
    expect(scanTable().map((r) => r.name)).toEqual(Object.keys(SAMPLES));
  });

  it('ends every row where the table says', async () => {
    const rows = scanTable();
    const ids = [];
    for (const row of rows) ids.push((await api().createCustomer(SAMPLES[row.name])).id);
    await sleep(250);
    const held = new Map((await control().customers()).map((c) => [c.id, c]));
    expect(
      ids.map((id, i) => ({ name: rows[i]!.name, ofac: held.get(id)?.ofac, pepScan: held.get(id)?.pepScan })),
    ).toEqual(rows);
  });
});
