/**
 * Formats milliseconds the way Go's `time.Duration.String()` does (OpenAI's reset headers):
 * `0s`, `12ms`, `1s`, `7.66s`, `2m59.56s`, `6m0s`, `1h0m0s`. Millisecond precision, rounded up.
 */
export function formatGoDuration(ms: number): string {
  const total = Math.max(0, Math.ceil(ms));
  if (total === 0) return '0s';
  if (total < 1000) return `${total}ms`;
  const hours = Math.floor(total / 3_600_000);
  const minutes = Math.floor((total % 3_600_000) / 60_000);
  const millis = total % 60_000;
  const whole = Math.floor(millis / 1000);
  const fraction = String(millis % 1000).padStart(3, '0').replace(/0+$/, '');
  const seconds = fraction === '' ? `${whole}s` : `${whole}.${fraction}s`;
  if (hours > 0) return `${hours}h${minutes}m${seconds}`;
  if (minutes > 0) return `${minutes}m${seconds}`;
  return seconds;
}
