// Small badges for what the AI layer says: a customer's segment (or that it is pending), the
// sentiment of an activity, and a churn-risk level.
import type { SegmentStatus } from '../../app/api';
import { percent, signed } from '../../lib/format';
import { isAtRisk, segmentRank, tone } from './ai';

const PILL = 'inline-flex items-center gap-1 whitespace-nowrap rounded-full px-2 py-0.5 text-xs font-medium';

function segmentColour(name: string): string {
  if (isAtRisk(name)) return 'bg-rose-100 text-rose-900';
  return segmentRank(name) < 3 ? 'bg-emerald-100 text-emerald-900' : 'bg-sky-100 text-sky-900';
}

/** The segment stored on a customer with how far its classification got. */
export function SegmentBadge({ segment, status, confidence }: { segment?: string | null | undefined; status: SegmentStatus; confidence?: number | null | undefined }) {
  if (status === 'pending') {
    return (
      <span className={`${PILL} bg-amber-100 text-amber-900`} title="The AI layer was busy when the customer was saved; a background job classifies it shortly.">
        Segment pending
      </span>
    );
  }
  if (!segment) {
    return <span className={`${PILL} bg-slate-100 text-slate-800`}>Not segmented yet</span>;
  }
  const predicted = typeof confidence === 'number';
  return (
    <span className={`${PILL} ${segmentColour(segment)}`} title={predicted ? `Predicted from the profile (${percent(confidence)} confidence)` : 'From purchase behaviour'}>
      <span className="sr-only">Segment: </span>
      {segment}
      {predicted && <span className="font-normal opacity-80">· predicted</span>}
    </span>
  );
}

const TONE_STYLE = {
  positive: { cls: 'bg-emerald-100 text-emerald-900', mark: '▲', word: 'Positive' },
  neutral: { cls: 'bg-slate-100 text-slate-800', mark: '■', word: 'Neutral' },
  negative: { cls: 'bg-rose-100 text-rose-900', mark: '▼', word: 'Negative' },
} as const;

/** The compound sentiment (−1..1) of an activity's text; nothing when it was not scored. */
export function SentimentBadge({ value }: { value: number | null | undefined }) {
  if (typeof value !== 'number') return null;
  const t = TONE_STYLE[tone(value)];
  return (
    <span className={`${PILL} ${t.cls}`} title="Sentiment of the text (VADER compound score, −1 to +1)">
      <span aria-hidden="true">{t.mark}</span>
      <span>
        <span className="sr-only">Sentiment: </span>
        {t.word} {signed(value)}
      </span>
    </span>
  );
}

const CHURN = { low: 'bg-emerald-100 text-emerald-900', medium: 'bg-amber-100 text-amber-900', high: 'bg-rose-100 text-rose-900' } as const;

export function ChurnBadge({ level }: { level: string }) {
  const cls = CHURN[level as keyof typeof CHURN] ?? 'bg-slate-100 text-slate-800';
  return <span className={`${PILL} ${cls}`}>{level} risk</span>;
}
