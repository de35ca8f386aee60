/** How licenses, trials, gas and the dev faucet behave (from config; see README). */
export type MoneySettings = {
  /** Length of a period or API license (LICENSE_PERIOD_DAYS). */
  periodSeconds: number;
  /** Calls per period of an API license (API_LICENSE_QUOTA). */
  apiQuota: number;
  /** Questions a new user may ask a priced assistant before buying (FREE_QUESTIONS). */
  freeQuestions: number;
  /** Gas top-ups the platform pays per user per day (GAS_TOPUPS_PER_DAY). */
  gasTopUpsPerDay: number;
  /** What one top-up sends to a custodial address, in wei. */
  gasTopUpWei: bigint;
  /** What `/faucet` gives on the dev chain, per call, at most `faucetsPerDay` times a day. */
  faucet: { tokenUnits: bigint; ethWei: bigint; perDay: number };
  /** Base URL of the pages (wallet link, dashboard) people open from chat. */
  publicUrl: string;
  /** Earnings within this window go out as one digest message. */
  digestWindowMs: number;
};
