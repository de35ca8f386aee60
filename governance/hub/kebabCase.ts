/** lodash's `kebabCase` for the `app` names Snapshot stores (`"Caravan Bot"` → `caravan-bot`). */
export function kebabCase(s: string): string {
  return (s.match(/[A-Z]{2,}(?=[A-Z][a-z]+|\b|[^a-zA-Z])|[A-Z]?[a-z]+|[A-Z]+|\d+/g) ?? []).map((w) => w.toLowerCase()).join('-');
}
