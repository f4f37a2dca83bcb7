/**
 * What COS's OFAC and PEP scan values mean for the customer (docs/providers/cos.md, "Scan outcomes").
 * Both are open sets, compared without regard to case: OFAC `Positive` declines; a PEP value other than
 * `Pending` or `Clear` is a hit for an officer to decide (enhanced due diligence, not a decline); only
 * OFAC `Clear` with PEP `Clear` (or a PEP hit an officer accepted) is ready. Everything else (`Pending`,
 * `Failed`, `Reviewing`, a value we do not know, a field missing) waits for the bank's AML team.
 */
export type ScanVerdict = 'READY' | 'DECLINE' | 'PEP_REVIEW' | 'WAIT';

function word(value: string | undefined): string | undefined {
  return value?.trim().toLowerCase();
}

export function isPepHit(pepScan: string | undefined): boolean {
  const pep = word(pepScan);
  return pep !== undefined && pep !== 'pending' && pep !== 'clear';
}

export function scanVerdict(
  scans: { ofac?: string | undefined; pepScan?: string | undefined },
  pepAccepted: boolean,
): ScanVerdict {
  const ofac = word(scans.ofac);
  if (ofac === 'positive') return 'DECLINE';
  const pepHit = isPepHit(scans.pepScan);
  if (pepHit && !pepAccepted) return 'PEP_REVIEW';
  const pepClear = word(scans.pepScan) === 'clear' || (pepHit && pepAccepted);
  return ofac === 'clear' && pepClear ? 'READY' : 'WAIT';
}
