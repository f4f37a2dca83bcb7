import { createHash } from 'node:crypto';
import { Secret } from '../../src/providers/mesh/config';
import { Webhook } from 'standardwebhooks';
import { createSignatureVerifier, type SignatureCheck } from '../../src/bridge/signature';
import { legacySignature, newSecret, standardWebhookHeaders } from '../../testkit/webhooks';

const BODY = '{"api_version":"v2","webhook_type":"CASE_TRANSITIONED","case_identifier":"case_1"}';
const now = () => Math.floor(Date.now() / 1000);

function verifier(options: { secrets?: string[]; legacy?: string }) {
  return createSignatureVerifier({
    webhookSecrets: (options.secrets ?? []).map((s) => new Secret(s)),
    legacySecret: options.legacy === undefined ? undefined : new Secret(options.legacy),
  });
}

function rejected(check: SignatureCheck): string | undefined {
  return check.ok ? undefined : check.reason;
}

describe('Standard Webhooks signatures', () => {
  const secret = newSecret();
  const verify = verifier({ secrets: [secret] });

  it('accepts a delivery signed over the exact bytes and reports its webhook id', () => {
    const headers = standardWebhookHeaders({ secret, body: BODY, id: 'msg_1' });
    expect(verify(Buffer.from(BODY), headers)).toEqual({
      ok: true,
      delivery: { scheme: 'standard-webhooks', webhookId: 'msg_1' },
    });
  });

  it('accepts a secret written with the whsec_ prefix', () => {
    const headers = standardWebhookHeaders({ secret, body: BODY });
    expect(verifier({ secrets: [`whsec_${secret}`] })(Buffer.from(BODY), headers).ok).toBe(true);
  });

  it('refuses the same JSON with different whitespace, because the signed bytes differ', () => {
    const headers = standardWebhookHeaders({ secret, body: BODY });
    const reformatted = JSON.stringify(JSON.parse(BODY), null, 2);
    expect(rejected(verify(Buffer.from(reformatted), headers))).toBe('no-matching-signature');
  });

  it('refuses the same JSON with its keys in another order', () => {
    const headers = standardWebhookHeaders({ secret, body: BODY });
    const reordered = '{"webhook_type":"CASE_TRANSITIONED","api_version":"v2","case_identifier":"case_1"}';
    expect(JSON.parse(reordered)).toEqual(JSON.parse(BODY));
    expect(rejected(verify(Buffer.from(reordered), headers))).toBe('no-matching-signature');
  });

  it('accepts a unicode body signed as UTF-8 bytes, and refuses it re-encoded with escapes', () => {
    const unicode = '{"note":"Zoë Ünal — 東京 🚀","case_identifier":"case_ü"}';
    const headers = standardWebhookHeaders({ secret, body: Buffer.from(unicode, 'utf8') });
    expect(verify(Buffer.from(unicode, 'utf8'), headers).ok).toBe(true);
    const escaped =
      '{"note":"Zo\\u00eb \\u00dcnal \\u2014 \\u6771\\u4eac \\ud83d\\ude80","case_identifier":"case_\\u00fc"}';
    expect(JSON.parse(escaped)).toEqual(JSON.parse(unicode));
    expect(rejected(verify(Buffer.from(escaped), headers))).toBe('no-matching-signature');
  });

  it('refuses a body that is not UTF-8 instead of verifying a lossy decoding of it', () => {
    const bytes = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0xff, 0x7d]);
    const headers = standardWebhookHeaders({ secret, body: bytes });
    expect(rejected(verify(bytes, headers))).toBe('body-not-utf8');
  });

  it('refuses a truncated signature', () => {
    const headers = standardWebhookHeaders({ secret, body: BODY });
    const truncated = { ...headers, 'webhook-signature': headers['webhook-signature']!.slice(0, -4) };
    expect(rejected(verify(Buffer.from(BODY), truncated))).toBe('no-matching-signature');
  });

  it('refuses a signature made with another secret', () => {
    const headers = standardWebhookHeaders({ secret: newSecret(), body: BODY });
    expect(rejected(verify(Buffer.from(BODY), headers))).toBe('no-matching-signature');
  });

  it('refuses a signature whose webhook id was swapped (the id is part of the signed content)', () => {
    const headers = standardWebhookHeaders({ secret, body: BODY, id: 'msg_original' });
    expect(rejected(verify(Buffer.from(BODY), { ...headers, 'webhook-id': 'msg_other' }))).toBe(
      'no-matching-signature',
    );
  });

  it('accepts during rotation when the second of two configured secrets verifies', () => {
    const oldSecret = newSecret();
    const rotating = verifier({ secrets: [oldSecret, secret] });
    expect(rotating(Buffer.from(BODY), standardWebhookHeaders({ secret, body: BODY })).ok).toBe(true);
    expect(rotating(Buffer.from(BODY), standardWebhookHeaders({ secret: oldSecret, body: BODY })).ok).toBe(
      true,
    );
  });

  it('accepts a signature list with several v1 entries when any one matches', () => {
    const id = 'msg_rotation';
    const timestamp = now();
    const fromOther = standardWebhookHeaders({ secret: newSecret(), body: BODY, id, timestamp });
    const fromOurs = standardWebhookHeaders({ secret, body: BODY, id, timestamp });
    const list = `${fromOther['webhook-signature']} v2,ignoredscheme ${fromOurs['webhook-signature']}`;
    expect(verify(Buffer.from(BODY), { ...fromOurs, 'webhook-signature': list }).ok).toBe(true);
  });

  it('refuses a list in which no entry matches', () => {
    const headers = standardWebhookHeaders({ secret: newSecret(), body: BODY });
    const other = standardWebhookHeaders({ secret: newSecret(), body: BODY });
    const list = `${headers['webhook-signature']} ${other['webhook-signature']}`;
    expect(rejected(verify(Buffer.from(BODY), { ...headers, 'webhook-signature': list }))).toBe(
      'no-matching-signature',
    );
  });

  it('refuses a timestamp more than 5 minutes old, even with a valid signature', () => {
    const headers = standardWebhookHeaders({ secret, body: BODY, timestamp: now() - 6 * 60 });
    expect(rejected(verify(Buffer.from(BODY), headers))).toBe('stale-timestamp');
  });

  it('refuses a timestamp more than 5 minutes in the future', () => {
    const headers = standardWebhookHeaders({ secret, body: BODY, timestamp: now() + 6 * 60 });
    expect(rejected(verify(Buffer.from(BODY), headers))).toBe('future-timestamp');
  });

  it('accepts a timestamp a few minutes off, inside the tolerance', () => {
    expect(
      verify(Buffer.from(BODY), standardWebhookHeaders({ secret, body: BODY, timestamp: now() - 4 * 60 })).ok,
    ).toBe(true);
    expect(
      verify(Buffer.from(BODY), standardWebhookHeaders({ secret, body: BODY, timestamp: now() + 4 * 60 })).ok,
    ).toBe(true);
  });

  it.each([
    ['a timestamp with trailing characters', { 'webhook-timestamp': `${now()}abc` }],
    ['a timestamp in milliseconds written as a decimal', { 'webhook-timestamp': `${now()}.5` }],
    ['an empty signature header', { 'webhook-signature': ' ' }],
    ['a webhook id with spaces', { 'webhook-id': 'msg 1' }],
  ])('refuses malformed headers: %s', (_name, override) => {
    const headers = { ...standardWebhookHeaders({ secret, body: BODY }), ...override };
    expect(rejected(verify(Buffer.from(BODY), headers))).toBe('malformed-headers');
  });

  it.each(['webhook-id', 'webhook-timestamp', 'webhook-signature'])(
    'refuses a delivery without %s',
    (name) => {
      const headers: Record<string, string> = standardWebhookHeaders({ secret, body: BODY });
      delete headers[name];
      expect(rejected(verify(Buffer.from(BODY), headers))).toBe('missing-signature');
    },
  );

  it('refuses a delivery with no signature headers at all', () => {
    expect(rejected(verify(Buffer.from(BODY), {}))).toBe('missing-signature');
  });

  it('refuses a header sent twice (Node hands it over as a list)', () => {
    const headers = standardWebhookHeaders({ secret, body: BODY });
    const doubled = { ...headers, 'webhook-id': [headers['webhook-id']!, headers['webhook-id']!] };
    expect(rejected(verify(Buffer.from(BODY), doubled))).toBe('malformed-headers');
  });
});

describe('the standardwebhooks library decides', () => {
  it('refuses only what the library refuses: the same verdict on every header shape', () => {
    const secret = newSecret();
    const verify = verifier({ secrets: [secret] });
    const library = new Webhook(secret);
    const id = 'msg_parity';
    const timestamp = now();
    const good = standardWebhookHeaders({ secret, body: BODY, id, timestamp })['webhook-signature']!;
    const bad = standardWebhookHeaders({ secret: newSecret(), body: BODY, id, timestamp })[
      'webhook-signature'
    ]!;
    const sig = good.slice('v1,'.length);
    const shapes = [
      good,
      bad,
      `${bad} ${good}`,
      `${good} ${bad}`,
      `${good},trailing-part`,
      `  ${good}  `,
      `${bad}  ${good}`,
      `V1,${sig}`,
      `v2,${sig}`,
      `v1,${sig.slice(0, -1)}`,
      `v1,${sig}=`,
      `v1 ${sig}`,
      `v1,`,
      `,${sig}`,
      `v1,${sig.toLowerCase()}`,
      `v1,${Buffer.from(sig, 'base64').toString('hex')}`,
      `v1a,${sig} v1,${sig}`,
    ];
    for (const signature of shapes) {
      const headers = {
        'webhook-id': id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signature,
      };
      let libraryAccepts = true;
      try {
        library.verify(Buffer.from(BODY), headers, { jsonParse: false });
      } catch {
        libraryAccepts = false;
      }
      expect({ signature, accepted: verify(Buffer.from(BODY), headers).ok }).toEqual({
        signature,
        accepted: libraryAccepts,
      });
    }
  });

  it("accepts through the library's public verify, refuses forgeries before it, leaving process-wide settings alone", () => {
    const secret = newSecret();
    const verify = verifier({ secrets: [secret] });
    const stackTraceLimits: number[] = [];
    const original = Webhook.prototype.verify;
    const libraryVerify = jest.spyOn(Webhook.prototype, 'verify').mockImplementation(function (
      this: Webhook,
      ...args: Parameters<Webhook['verify']>
    ) {
      stackTraceLimits.push(Error.stackTraceLimit);
      return original.apply(this, args);
    });
    try {
      const before = Error.stackTraceLimit;
      expect(verify(Buffer.from(BODY), standardWebhookHeaders({ secret, body: BODY })).ok).toBe(true);
      expect(
        rejected(verify(Buffer.from(BODY), standardWebhookHeaders({ secret: newSecret(), body: BODY }))),
      ).toBe('no-matching-signature');
      // The forged delivery's HMAC matched no entry: refused without the library's costly exception.
      expect(libraryVerify).toHaveBeenCalledTimes(1);
      expect(stackTraceLimits).toEqual([before]);
      expect(Error.stackTraceLimit).toBe(before);
    } finally {
      libraryVerify.mockRestore();
    }
  });

  it('judges stale and future timestamps from the header itself, without asking the library', () => {
    const secret = newSecret();
    const verify = verifier({ secrets: [secret] });
    const libraryVerify = jest.spyOn(Webhook.prototype, 'verify');
    try {
      const stale = standardWebhookHeaders({ secret, body: BODY, timestamp: now() - 6 * 60 });
      const future = standardWebhookHeaders({ secret, body: BODY, timestamp: now() + 6 * 60 });
      expect(rejected(verify(Buffer.from(BODY), stale))).toBe('stale-timestamp');
      expect(rejected(verify(Buffer.from(BODY), future))).toBe('future-timestamp');
      expect(libraryVerify).not.toHaveBeenCalled();
    } finally {
      libraryVerify.mockRestore();
    }
  });

  it('refuses at start a secret that is not base64, as the library does', () => {
    expect(() => verifier({ secrets: ['not base64 at all!'] })).toThrow();
  });
});

describe('legacy x-complyadvantage-signature', () => {
  const legacy = 'legacy-shared-secret';

  it('is not accepted unless WEBHOOK_LEGACY_SECRET is configured', () => {
    const verify = verifier({ secrets: [newSecret()] });
    const headers = { 'x-complyadvantage-signature': legacySignature(legacy, BODY) };
    expect(rejected(verify(Buffer.from(BODY), headers))).toBe('missing-signature');
  });

  it('accepts the hex HMAC of the exact raw bytes, upper- or lower-case, keyed by the SHA-256 of those bytes', () => {
    const verify = verifier({ legacy });
    const hex = legacySignature(legacy, BODY);
    expect(verify(Buffer.from(BODY), { 'x-complyadvantage-signature': hex })).toEqual({
      ok: true,
      delivery: {
        scheme: 'legacy',
        webhookId: `legacy-sha256:${createHash('sha256').update(BODY).digest('hex')}`,
      },
    });
    expect(verify(Buffer.from(BODY), { 'x-complyadvantage-signature': hex.toUpperCase() }).ok).toBe(true);
  });

  it("refuses the guide's re-serialised JSON signature when the bytes were formatted differently", () => {
    const verify = verifier({ legacy });
    const sent = JSON.stringify(JSON.parse(BODY), null, 2);
    // What the guide's Appendix C computes: HMAC over JSON.stringify(request.body), not over what was sent.
    const reserialised = legacySignature(legacy, JSON.stringify(JSON.parse(sent)));
    expect(rejected(verify(Buffer.from(sent), { 'x-complyadvantage-signature': reserialised }))).toBe(
      'no-matching-signature',
    );
    expect(
      verify(Buffer.from(sent), { 'x-complyadvantage-signature': legacySignature(legacy, sent) }).ok,
    ).toBe(true);
  });

  it('refuses a body whose keys were reordered', () => {
    const verify = verifier({ legacy });
    const reordered = '{"webhook_type":"CASE_TRANSITIONED","api_version":"v2","case_identifier":"case_1"}';
    const headers = { 'x-complyadvantage-signature': legacySignature(legacy, BODY) };
    expect(rejected(verify(Buffer.from(reordered), headers))).toBe('no-matching-signature');
  });

  it('accepts a unicode body signed over its UTF-8 bytes', () => {
    const verify = verifier({ legacy });
    const unicode = Buffer.from('{"note":"Zoë — 東京 🚀"}', 'utf8');
    expect(verify(unicode, { 'x-complyadvantage-signature': legacySignature(legacy, unicode) }).ok).toBe(
      true,
    );
  });

  it.each([
    ['truncated', (hex: string) => hex.slice(0, -2)],
    ['extended', (hex: string) => `${hex}00`],
    ['not hex', (hex: string) => `${hex.slice(0, -1)}z`],
    ['base64 instead of hex', (hex: string) => Buffer.from(hex, 'hex').toString('base64')],
  ])('refuses a signature that is %s, without comparing buffers of different lengths', (_name, mangle) => {
    const verify = verifier({ legacy });
    const headers = { 'x-complyadvantage-signature': mangle(legacySignature(legacy, BODY)) };
    expect(rejected(verify(Buffer.from(BODY), headers))).toBe('no-matching-signature');
  });

  it('refuses a signature made with another secret', () => {
    const verify = verifier({ legacy });
    const headers = { 'x-complyadvantage-signature': legacySignature('another-secret', BODY) };
    expect(rejected(verify(Buffer.from(BODY), headers))).toBe('no-matching-signature');
  });

  it('gives different bodies different keys, and the same bytes the same key', () => {
    const verify = verifier({ legacy });
    const idOf = (body: string) => {
      const check = verify(Buffer.from(body), {
        'x-complyadvantage-signature': legacySignature(legacy, body),
      });
      return check.ok ? check.delivery.webhookId : undefined;
    };
    const other = BODY.replace('case_1', 'case_2');
    expect(idOf(BODY)).toBe(idOf(BODY));
    expect(idOf(other)).toMatch(/^legacy-sha256:[0-9a-f]{64}$/);
    expect(idOf(other)).not.toBe(idOf(BODY));
  });

  describe('is never consulted when any Standard Webhooks header is present', () => {
    const secret = newSecret();
    const both = verifier({ secrets: [secret], legacy });
    const valid = { 'x-complyadvantage-signature': legacySignature(legacy, BODY) };
    const standard = standardWebhookHeaders({ secret, body: BODY });

    it.each([
      [
        'a garbled webhook-signature',
        { ...standard, 'webhook-signature': 'v1,AAAA' },
        'no-matching-signature',
      ],
      [
        'a stale timestamp (a captured delivery replayed later)',
        standardWebhookHeaders({ secret, body: BODY, timestamp: now() - 10 * 60 }),
        'stale-timestamp',
      ],
      ['only webhook-id left of the three', { 'webhook-id': 'msg_1' }, 'missing-signature'],
      ['only webhook-timestamp left', { 'webhook-timestamp': String(now()) }, 'missing-signature'],
      [
        'only webhook-signature left',
        { 'webhook-signature': standard['webhook-signature']! },
        'missing-signature',
      ],
      ['a malformed timestamp', { ...standard, 'webhook-timestamp': 'yesterday' }, 'malformed-headers'],
    ])('refuses %s even with a valid legacy signature', (_name, headers, reason) => {
      expect(rejected(both(Buffer.from(BODY), { ...headers, ...valid }))).toBe(reason);
    });

    it('refuses them when only the legacy secret is configured', () => {
      const legacyOnly = verifier({ legacy });
      expect(rejected(legacyOnly(Buffer.from(BODY), { ...standard, ...valid }))).toBe(
        'no-matching-signature',
      );
    });

    it('still accepts a valid Standard Webhooks delivery that also carries a legacy signature', () => {
      expect(both(Buffer.from(BODY), { ...standard, ...valid })).toEqual({
        ok: true,
        delivery: { scheme: 'standard-webhooks', webhookId: standard['webhook-id'] },
      });
    });
  });

  it('accepts either scheme when both are configured', () => {
    const secret = newSecret();
    const verify = verifier({ secrets: [secret], legacy });
    expect(verify(Buffer.from(BODY), standardWebhookHeaders({ secret, body: BODY })).ok).toBe(true);
    expect(
      verify(Buffer.from(BODY), { 'x-complyadvantage-signature': legacySignature(legacy, BODY) }).ok,
    ).toBe(true);
  });
});
