/** A health line per dependency, as `/status` and `GET /health` show them. */
export type StatusReport = {
  ok: boolean;
  checks: Record<string, { ok: boolean; detail: string }>;
};
