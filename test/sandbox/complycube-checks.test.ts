import {
  company,
  matchesOf,
  person,
  summaryOf,
  useComplyCubeSandbox,
  type CheckBody,
  type ErrorBody,
  type Summary,
} from './complycube-client';

/** Every value a summary (or a part of one) holds. */
const values = (summary: Summary) => new Set(Object.values(summary).flatMap((group) => Object.values(group)));

describe('ComplyCube sandbox: checks', () => {
  const api = useComplyCubeSandbox();

  it('creates a check pending and completes it checkDelayMs later', async () => {
    await api.control.settings({ checkDelayMs: 300 });
    const clientId = await api.createClient(person('Smith'));
    const created = await api.post<CheckBody>('/checks', { clientId, type: 'standard_screening_check' });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{24}$/),
      entityName: 'Jane Smith',
      type: 'standard_screening_check',
      clientId,
      status: 'pending',
      enableMonitoring: false,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    // Read at once: still pending, no result.
    const early = await api.get<CheckBody>(`/checks/${created.body.id}`);
    expect(early.body.status).toBe('pending');
    expect(early.body.result).toBeUndefined();
    const done = await api.completedCheck(created.body.id);
    expect(done).toMatchObject({ status: 'complete', result: { outcome: 'clear' } });
  });

  it('screens a clear person: an extensive check clear on every list, a standard one not_processed outside its scope', async () => {
    const clientId = await api.createClient(person('Smith'));
    const extensive = await api.completedCheck(await api.createCheck(clientId, 'extensive_screening_check'));
    expect(extensive.result?.outcome).toBe('clear');
    expect(extensive.result?.breakdown?.matches).toEqual([]);
    expect(values(summaryOf(extensive))).toEqual(new Set(['clear']));
    expect(Object.keys(summaryOf(extensive)).sort()).toEqual([
      'adverseMedia',
      'otherLists',
      'pep',
      'watchlist',
    ]);
    expect(Object.keys(summaryOf(extensive).watchlist ?? {})).toContain('sanctionsLists');

    const standard = await api.completedCheck(await api.createCheck(clientId, 'standard_screening_check'));
    expect(standard.result?.outcome).toBe('clear');
    const { adverseMedia = {}, otherLists = {}, watchlist = {}, pep = {} } = summaryOf(standard);
    expect(values({ adverseMedia, otherLists })).toEqual(new Set(['not_processed']));
    expect(values({ watchlist, pep })).toEqual(new Set(['clear']));
  });

  it('answers attention with two matches in the reference structure for the last name "attention", in any case', async () => {
    const clientId = await api.createClient(person('ATTENTION', { personDetails: { dob: '1980-05-26' } }));
    const check = await api.completedCheck(await api.createCheck(clientId));
    expect(check.result?.outcome).toBe('attention');
    const matches = matchesOf(check);
    expect(matches).toHaveLength(2);
    for (const match of matches) {
      expect(match).toEqual({
        id: expect.stringMatching(/^[0-9a-f]{24}$/),
        score: expect.any(Number),
        status: 'attention',
        details: expect.objectContaining({
          entityName: expect.any(String),
          entityType: 'person',
          names: expect.arrayContaining([expect.objectContaining({ type: 'primary' })]),
          classifications: expect.any(Object),
          countries: expect.any(Array),
          dates: [{ type: 'Date of Birth', date: { day: '26', month: '05', year: '1980' } }],
        }),
        breakdown: [expect.objectContaining({ fieldName: 'name', score: match.score, riskWeight: 100 })],
      });
    }
    // The summary says attention exactly where a match is classified.
    expect(summaryOf(check).pep).toMatchObject({ level1: 'attention', level2: 'attention', level4: 'clear' });
    expect(summaryOf(check).watchlist).toMatchObject({ sanctionsLists: 'attention', terror: 'clear' });
  });

  it('answers not_processed for the last name "failed", attention for a company named "…attention…", failed for "check-failed"', async () => {
    const failed = await api.completedCheck(await api.createCheck(await api.createClient(person('failed'))));
    expect(failed).toMatchObject({
      status: 'complete',
      result: { outcome: 'not_processed', breakdown: { matches: [] } },
    });

    const firm = await api.completedCheck(
      await api.createCheck(await api.createClient(company('Attention Trading Ltd'))),
    );
    expect(firm.result?.outcome).toBe('attention');
    expect(matchesOf(firm).map((m) => m.details.entityType)).toEqual(['company', 'company']);

    const broken = await api.completedCheck(
      await api.createCheck(await api.createClient(person('check-failed'))),
    );
    expect(broken.status).toBe('failed');
    expect(broken.result).toBeUndefined();

    const plainFirm = await api.completedCheck(
      await api.createCheck(await api.createClient(company('Acme Ltd'))),
    );
    expect(plainFirm.result?.outcome).toBe('clear');
  });

  it('refuses a check for an unknown client (404) or of an unknown type (400 param type), and checks options', async () => {
    expect(
      (await api.post('/checks', { clientId: '000000000000000000000000', type: 'standard_screening_check' }))
        .body,
    ).toMatchObject({ type: 'resource_not_found' });
    const clientId = await api.createClient(person('Smith'));
    expect((await api.post('/checks', { clientId, type: 'screening' })).body).toMatchObject({
      param: 'type',
    });
    expect((await api.post('/checks', { type: 'standard_screening_check' })).body).toMatchObject({
      param: 'clientId',
    });
    const bad = await api.post('/checks', {
      clientId,
      type: 'extensive_screening_check',
      options: { screeningClassification: ['pepLevel9'] },
    });
    expect(bad.body).toMatchObject({ type: 'invalid_request', param: 'options.screeningClassification.0' });
    const good = await api.post('/checks', {
      clientId,
      type: 'extensive_screening_check',
      enableMonitoring: true,
      options: {
        screeningClassification: ['otherListsFinancialCrime'],
        screeningNameSearchMode: 'precise',
        screeningListsScope: { mode: 'inclusion', lists: ['Companies House (UK) Disqualified Directors'] },
      },
    });
    expect(good.status).toBe(201);
    expect(good.body).toMatchObject({
      enableMonitoring: true,
      options: { screeningNameSearchMode: 'precise' },
    });
  });

  it('lists checks newest first, filtered by clientId, type, status and result.outcome', async () => {
    const smith = await api.createClient(person('Smith'));
    const attention = await api.createClient(person('Attention'));
    const a = await api.createCheck(smith, 'standard_screening_check');
    const b = await api.createCheck(attention, 'extensive_screening_check');
    await api.completedCheck(a);
    await api.completedCheck(b);
    const ids = (query: string) => api.ids(`/checks?${query}`);
    expect(await ids('')).toEqual([b, a]);
    expect(await ids(`clientId=${smith}`)).toEqual([a]);
    expect(await ids('type=extensive_screening_check')).toEqual([b]);
    expect(await ids('status=complete')).toEqual([b, a]);
    expect(await ids('status=pending')).toEqual([]);
    expect(await ids('result.outcome=attention')).toEqual([b]);
    expect(await ids(`result.outcome=clear&clientId=${attention}`)).toEqual([]);
    expect(await ids('result.outcome=clear%21')).toEqual([]);
  });

  describe('monitoring updates (POST /checks/{id})', () => {
    it('refuses to change a pending check with 422 pending_check_unmodifiable', async () => {
      await api.control.settings({ checkDelayMs: 60_000 });
      const checkId = await api.createCheck(await api.createClient(person('Smith')));
      const res = await api.post(`/checks/${checkId}`, { enableMonitoring: true });
      expect(res.status).toBe(422);
      expect(res.body).toEqual({ type: 'pending_check_unmodifiable', message: expect.any(String) });
    });

    it('refuses to change a check that is not a screening check with 422 invalid_check_update', async () => {
      const checkId = await api.createCheck(await api.createClient(person('Smith')), 'document_check');
      await api.completedCheck(checkId);
      const res = await api.post(`/checks/${checkId}`, { enableMonitoring: true });
      expect(res.status).toBe(422);
      expect(res.body).toEqual({ type: 'invalid_check_update', message: expect.any(String) });
    });

    it('switches monitoring on and off once the check has left pending; the body needs enableMonitoring', async () => {
      const checkId = await api.createCheck(
        await api.createClient(person('Attention')),
        'standard_screening_check',
        { enableMonitoring: true },
      );
      await api.completedCheck(checkId);
      expect((await api.post(`/checks/${checkId}`, {})).body).toMatchObject({ param: 'enableMonitoring' });
      const off = await api.post(`/checks/${checkId}`, { enableMonitoring: false });
      expect(off.status).toBe(200);
      expect(off.body).toMatchObject({ enableMonitoring: false, status: 'complete' });
      expect((await api.get<CheckBody>(`/checks/${checkId}`)).body.enableMonitoring).toBe(false);
    });
  });

  describe('match validation', () => {
    async function attentionCheck(): Promise<{ checkId: string; first: string; second: string }> {
      const checkId = await api.createCheck(await api.createClient(person('Attention')));
      const [first, second] = matchesOf(await api.completedCheck(checkId)).map((m) => m.id);
      return { checkId, first: first!, second: second! };
    }
    const validate = (checkId: string, body: Record<string, unknown>) =>
      api.post<CheckBody>(`/checks/${checkId}/validate`, body);

    it('needs a matchId of the check and a known outcome', async () => {
      const { checkId, first } = await attentionCheck();
      expect((await validate(checkId, { outcome: 'rejected' })).body).toMatchObject({
        type: 'invalid_request',
        param: 'matchId',
      });
      expect(
        (await validate(checkId, { outcome: 'rejected', matchId: '000000000000000000000000' })).body,
      ).toMatchObject({ type: 'invalid_request', param: 'matchId' });
      expect((await validate(checkId, { outcome: 'maybe', matchId: first })).body).toMatchObject({
        param: 'outcome',
      });
    });

    it('answers clear once every match is rejected, attention while one is still open', async () => {
      const { checkId, first, second } = await attentionCheck();
      const afterFirst = await validate(checkId, {
        outcome: 'rejected',
        matchId: first,
        comment: 'different dob',
      });
      expect(afterFirst.status).toBe(200);
      expect(afterFirst.body.result?.outcome).toBe('attention');
      expect(matchesOf(afterFirst.body).map((m) => m.status)).toEqual(['rejected', 'attention']);
      await validate(checkId, { outcome: 'rejected', matchId: second });
      expect((await api.get<CheckBody>(`/checks/${checkId}`)).body.result?.outcome).toBe('clear');
    });

    it('answers match_confirmed once any match is confirmed; attention or pending puts a match back', async () => {
      const { checkId, first, second } = await attentionCheck();
      await validate(checkId, { outcome: 'rejected', matchId: first });
      const confirmed = await validate(checkId, { outcome: 'confirmed', matchId: second });
      expect(confirmed.body.result?.outcome).toBe('match_confirmed');
      const reopened = await validate(checkId, { outcome: 'pending', matchId: second });
      expect(reopened.body.result?.outcome).toBe('attention');
      expect(matchesOf(reopened.body).map((m) => m.status)).toEqual(['rejected', 'attention']);
    });

    it('refuses to validate a pending check with 422 pending_check_unmodifiable', async () => {
      await api.control.settings({ checkDelayMs: 60_000 });
      const checkId = await api.createCheck(await api.createClient(person('Attention')));
      const res = await api.post<ErrorBody>(`/checks/${checkId}/validate`, {
        outcome: 'rejected',
        matchId: '000000000000000000000000',
      });
      expect(res.status).toBe(422);
      expect(res.body.type).toBe('pending_check_unmodifiable');
    });
  });

  describe('the analyst (control routes)', () => {
    it('decides a check clear (every match rejected) or match_confirmed (every match confirmed)', async () => {
      const clear = await api.createCheck(await api.createClient(person('Attention')));
      await api.completedCheck(clear);
      const decided = await api.control.decide(clear, 'clear');
      expect(decided.result?.outcome).toBe('clear');
      expect(decided.result?.breakdown?.matches.map((m) => m.status)).toEqual(['rejected', 'rejected']);

      const confirmed = await api.createCheck(await api.createClient(person('Attention')));
      await api.completedCheck(confirmed);
      await api.control.decide(confirmed, 'match_confirmed');
      const read = await api.get<CheckBody>(`/checks/${confirmed}`);
      expect(read.body.result?.outcome).toBe('match_confirmed');
      expect(matchesOf(read.body).map((m) => m.status)).toEqual(['confirmed', 'confirmed']);
    });

    it('refuses to decide a pending check or one without matches', async () => {
      await api.control.settings({ checkDelayMs: 60_000 });
      const pending = await api.createCheck(await api.createClient(person('Attention')));
      await expect(api.control.decide(pending, 'clear')).rejects.toThrow(/422.*pending_check_unmodifiable/);
      await api.control.settings({ checkDelayMs: 0 });
      const clear = await api.createCheck(await api.createClient(person('Smith')));
      await api.completedCheck(clear);
      await expect(api.control.decide(clear, 'clear')).rejects.toThrow(/409/);
    });

    it('raises a monitoring finding only for a monitored check (unless forced), optionally with a new match', async () => {
      const unmonitored = await api.createCheck(await api.createClient(person('Smith')));
      await api.completedCheck(unmonitored);
      await expect(api.control.monitoringAttention(unmonitored)).rejects.toThrow(/409/);
      await expect(api.control.monitoringAttention(unmonitored, { force: true })).resolves.toMatchObject({
        result: { outcome: 'clear' },
      });

      const monitored = await api.createCheck(
        await api.createClient(person('Smith')),
        'standard_screening_check',
        {
          enableMonitoring: true,
        },
      );
      await api.completedCheck(monitored);
      const found = await api.control.monitoringAttention(monitored, { newMatch: true });
      expect(found.result?.outcome).toBe('attention');
      expect(found.result?.breakdown?.matches).toHaveLength(1);
      await api.control.decide(monitored, 'clear');
      expect((await api.get<CheckBody>(`/checks/${monitored}`)).body.result?.outcome).toBe('clear');
    });
  });

  it("deletes a client's checks with the client", async () => {
    const clientId = await api.createClient(person('Smith'));
    const checkId = await api.createCheck(clientId);
    await api.completedCheck(checkId);
    await api.delete(`/clients/${clientId}`);
    expect((await api.get(`/checks/${checkId}`)).status).toBe(404);
  });
});
