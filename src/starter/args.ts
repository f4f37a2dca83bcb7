import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { UsageError } from '../platform/cli/command-line';

export const STARTER_USAGE = `Usage: npm run starter -- <command> [options]

Onboarding
  --input FILE [--wait]                  start an onboarding from a JSON request {"customer": {...},
                                         "monitoring"?, "configuration"?, "policy"?}: the customer alone
                                         is enough, the worker's configuration fills in the rest;
                                         --wait prints the status once screening is over (the final result,
                                         or AWAITING_REVIEW while an analyst decides)
  status --id EXT                        print the onboarding's current status
  core-status --id EXT                   print the core-banking customer's status (core-customer-EXT)
  withdraw --id EXT [--reason TEXT]      the applicant withdraws a running onboarding (monitoring off);
                                         prints the final status
  decide --id EXT --outcome APPROVE|REJECT --actor WHO --reason TEXT
                                         a compliance officer's decision on an escalated onboarding;
                                         APPROVE is refused while a screening case is open

After onboarding (each a durable workflow; the same --request-id never runs twice)
  update --id EXT --input FILE [--wait]  change customer data {"customer": {changed fields}} and re-score;
                                         goes to the running onboarding if there is one
  monitoring on|off --id EXT [--wait]    switch ongoing monitoring on or off
  offboard --id EXT [--reason TEXT] [--wait]
                                         withdraw a running onboarding and switch monitoring off

Options
  --id EXT            the customer's external_identifier
  --request-id ID     idempotency key of an operation (default: a new UUID)
  --timeout DURATION  how long --wait waits, e.g. 90s (default 2m)
  -h, --help          this text

Exit codes: 0 done, 1 failed, 2 bad usage or bad input (nothing started).`;

export type StarterCommand =
  | { kind: 'help' }
  | { kind: 'start'; inputPath: string; wait: boolean; timeoutMs: number }
  | { kind: 'status'; externalId: string }
  | { kind: 'core-status'; externalId: string }
  | { kind: 'withdraw'; externalId: string; reason?: string; requestId: string }
  | { kind: 'decide'; externalId: string; outcome: string; actor: string; reason: string }
  | {
      kind: 'update';
      externalId: string;
      inputPath: string;
      wait: boolean;
      timeoutMs: number;
      requestId: string;
    }
  | {
      kind: 'monitoring';
      externalId: string;
      enabled: boolean;
      wait: boolean;
      timeoutMs: number;
      requestId: string;
    }
  | {
      kind: 'offboard';
      externalId: string;
      reason?: string;
      wait: boolean;
      timeoutMs: number;
      requestId: string;
    };

// One class for every entry point; callers and tests import it from here too.
export { UsageError };

const TIMEOUT = /^(\d+)(ms|s|m)?$/;

function durationMs(text: string): number {
  const m = TIMEOUT.exec(text);
  if (!m) throw new UsageError(`--timeout: expected a duration like 90s or 2m, got "${text}"`);
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000 }[m[2] ?? 's']!;
}

/** argv without `node starter.ts`; throws UsageError with a line a person can act on. */
export function parseStarterArgs(argv: string[]): StarterCommand {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        input: { type: 'string' },
        id: { type: 'string' },
        wait: { type: 'boolean', default: false },
        reason: { type: 'string' },
        outcome: { type: 'string' },
        actor: { type: 'string' },
        'request-id': { type: 'string' },
        timeout: { type: 'string', default: '2m' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: 'help' };
  const [command, ...rest] = positionals;
  const timeoutMs = durationMs(values.timeout);
  const requestId = values['request-id'] ?? randomUUID();
  const reason = values.reason !== undefined ? { reason: values.reason } : {};
  const externalId = (): string => {
    if (values.id === undefined || values.id === '') throw new UsageError(`${command}: --id EXT is required`);
    return values.id;
  };
  const inputPath = (): string => {
    if (values.input === undefined || values.input === '')
      throw new UsageError(`${command ?? 'start'}: --input FILE is required`);
    return values.input;
  };

  switch (command) {
    case undefined:
      if (values.input === undefined)
        throw new UsageError('nothing to do: give --input FILE or a command (see --help)');
      return { kind: 'start', inputPath: inputPath(), wait: values.wait, timeoutMs };
    case 'status':
      return { kind: 'status', externalId: externalId() };
    case 'core-status':
      return { kind: 'core-status', externalId: externalId() };
    case 'withdraw':
      return { kind: 'withdraw', externalId: externalId(), requestId, ...reason };
    case 'decide': {
      const required = (name: 'outcome' | 'actor' | 'reason'): string => {
        const value = values[name];
        if (value === undefined || value.trim() === '') throw new UsageError(`decide: --${name} is required`);
        return value;
      };
      const outcome = required('outcome').toUpperCase();
      if (outcome !== 'APPROVE' && outcome !== 'REJECT')
        throw new UsageError('decide: --outcome APPROVE or REJECT');
      return {
        kind: 'decide',
        externalId: externalId(),
        outcome,
        actor: required('actor'),
        reason: required('reason'),
      };
    }
    case 'update':
      return {
        kind: 'update',
        externalId: externalId(),
        inputPath: inputPath(),
        wait: values.wait,
        timeoutMs,
        requestId,
      };
    case 'monitoring': {
      const [onOff] = rest;
      if (onOff !== 'on' && onOff !== 'off') throw new UsageError('monitoring: expected "on" or "off"');
      return {
        kind: 'monitoring',
        externalId: externalId(),
        enabled: onOff === 'on',
        wait: values.wait,
        timeoutMs,
        requestId,
      };
    }
    case 'offboard':
      return {
        kind: 'offboard',
        externalId: externalId(),
        wait: values.wait,
        timeoutMs,
        requestId,
        ...reason,
      };
    default:
      throw new UsageError(`unknown command "${command}" (see --help)`);
  }
}
