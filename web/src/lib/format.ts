// Display formats: money in minor units with its ISO currency (or major units, as the AI layer
// reports it), dates and months in the user's locale, shares and signed scores.

const digitsCache = new Map<string, number>();

/** Digits after the decimal point of an ISO 4217 currency (2 for EUR, 0 for JPY). */
export function fractionDigits(currency: string): number {
  let d = digitsCache.get(currency);
  if (d === undefined) {
    try {
      d = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    } catch {
      d = 2;
    }
    digitsCache.set(currency, d);
  }
  return d;
}

export function money(minor: number, currency: string): string {
  const d = fractionDigits(currency);
  const amount = minor / 10 ** d;
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(amount);
  } catch {
    return `${amount.toFixed(d)} ${currency}`;
  }
}

export function date(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
}

export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime())
    ? iso
    : d.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

export function label(snake: string): string {
  const s = snake.replace(/_/g, ' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** An amount in major units (the AI layer's figures), e.g. 1234.5 USD → "$1,234.50". */
export function moneyMajor(amount: number, currency: string, opts: { compact?: boolean } = {}): string {
  try {
    return new Intl.NumberFormat(undefined, {
      style: 'currency',
      currency,
      ...(opts.compact ? { notation: 'compact', minimumFractionDigits: 0, maximumFractionDigits: 1 } : { maximumFractionDigits: fractionDigits(currency) }),
    }).format(amount);
  } catch {
    return `${Math.round(amount)} ${currency}`;
  }
}

/** A share 0..1 as a whole percentage ("27%"). */
export function percent(share: number, digits = 0): string {
  return new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: digits, minimumFractionDigits: digits }).format(share);
}

/** A month `YYYY-MM` as "Oct 2026" (`short`) or "October 2026" (`long`). */
export function month(ym: string, style: 'short' | 'long' = 'short'): string {
  const [y, m] = ym.split('-').map(Number);
  if (!y || !m) return ym;
  return new Date(Date.UTC(y, m - 1, 1)).toLocaleDateString(undefined, { month: style, year: 'numeric', timeZone: 'UTC' });
}

/** A signed score with two decimals ("+0.80", "−0.40"). */
export function signed(v: number): string {
  const s = Math.abs(v).toFixed(2);
  if (s === '0.00') return s;
  return v > 0 ? `+${s}` : `−${s}`;
}
