/** How validator review runs (REVIEW_QUORUM, REVIEW_TIMEOUT, REVIEWER_SHARE_BPS). */
export type ReviewSettings = {
  /** Approvals that accept a dataset. */
  quorum: number;
  /** How long an offered review may wait before it is offered to other validators. */
  timeoutMs: number;
  /** Share of a dataset asset each approving validator's receipt holds, in basis points. */
  reviewerShareBps: number;
};
