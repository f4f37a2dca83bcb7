/**
 * A duplicate external identifier means an earlier attempt (a lost response, an earlier onboarding)
 * created the customer. What the onboarding may conclude from the recovered customer depends on how
 * much of the original screening could be read back.
 */
export interface DuplicateRecovery {
  /** Which of the documented answers named the duplicate (docs/providers/mesh.md). */
  shape: 'errored-200' | 'conflict-problem' | 'conflict-guide';
  /**
   * `original-workflow`: the original create-and-screen workflow was read and its screening step
   * finished: `screeningResult` is the real one. `case-found`: an onboarding case exists, so screening
   * found profiles (`HAS_PROFILES`). `unknown`: neither; `screeningResult` is absent and the run must
   * not be approved on it (Mesh may still be creating the case).
   */
  outcome: 'original-workflow' | 'case-found' | 'unknown';
  /**
   * A field the request names holds another value in the customer Mesh stored: the screening ran on
   * other data, so the request's data must be applied (update-and-rescore) and the result reviewed.
   */
  storedCustomerDiffers: boolean;
}
