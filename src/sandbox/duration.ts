// Durations for `sandbox advance`: "90d", "2h", "30m", "45s", or a sum such as "1d12h".
const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000 } as const;
/** Ten years: anything longer is a typo, not a drill. */
const MAX_MS = 3650 * UNIT_MS.d;

export class DurationError extends Error {
  override readonly name = "DurationError";
}

/** Milliseconds in `text`; throws DurationError with the accepted forms when it is not a duration. */
export function parseDuration(text: string): number {
  const value = text.trim().toLowerCase();
  const usage = `'${text}' is not a duration: use a number and a unit d, h, m or s, e.g. 90d, 2h, 30m, 45s or 1d12h`;
  if (!/^(\d+[dhms])+$/.test(value)) throw new DurationError(usage);
  let total = 0;
  for (const [, amount, unit] of value.matchAll(/(\d+)([dhms])/g)) {
    total += Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS];
  }
  if (total <= 0) throw new DurationError(`'${text}' does not move the clock: give a duration above zero`);
  if (total > MAX_MS) throw new DurationError(`'${text}' is longer than ten years`);
  return total;
}

/** "90d", "2h30m": the largest units first, for messages. */
export function formatDuration(ms: number): string {
  const parts: string[] = [];
  let rest = Math.floor(ms / 1000) * 1000;
  for (const [unit, size] of Object.entries(UNIT_MS)) {
    const amount = Math.floor(rest / size);
    if (amount > 0) parts.push(`${amount}${unit}`);
    rest -= amount * size;
  }
  return parts.join("") || "0s";
}
