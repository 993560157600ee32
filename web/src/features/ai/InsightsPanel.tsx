// The customer page's "AI insights": segment (with its basis, RFM scores and the factors behind
// it), 12-month value and churn risk, sentiment trend and recommended products. Every part says
// which model version it comes from and when it was computed; a part the AI layer cannot answer
// yet says why.
import type { ReactNode } from 'react';
import {
  useCustomerInsightsQuery,
  type Customer,
  type Factor,
  type Provenance,
  type RecommendationsInsight,
  type SegmentInsight,
  type SentimentInsight,
  type ValueInsight,
} from '../../app/api';
import { Card, ErrorState, Loading } from '../../components/ui';
import { moneyMajor, percent, signed } from '../../lib/format';
import { errorMessage, formErrors } from '../../lib/problem';
import { provenance, segmentInsight, tone } from './ai';
import { ChurnBadge, SegmentBadge } from './badges';
import { NotTrained } from './NotTrained';

function Part({ title, source, children }: { title: string; source?: Provenance | undefined; children: ReactNode }) {
  const id = `insight-${title.toLowerCase().replace(/\W+/g, '-')}`;
  return (
    <section aria-labelledby={id} className="pt-3 first:pt-0">
      <h3 id={id} className="mb-1.5 font-semibold text-slate-900">
        {title}
      </h3>
      {children}
      {source && <p className="mt-1.5 text-xs text-slate-600">{provenance(source)}</p>}
    </section>
  );
}

function Reasons({ factors, label = 'Why' }: { factors: Factor[]; label?: string }) {
  if (factors.length === 0) return null;
  return (
    <div className="mt-2">
      <p className="text-xs font-medium uppercase tracking-wide text-slate-600">{label}</p>
      <ul className="mt-0.5 list-disc space-y-0.5 pl-5 text-sm text-slate-800">
        {factors.map((f) => (
          <li key={f.name}>{f.note}</li>
        ))}
      </ul>
    </div>
  );
}

/** "attr.city=vienna" → "city: vienna", "company=true" → "company: yes". */
function profileToken(name: string): string {
  const [k = name, v = ''] = name.replace(/^attr\./, '').split('=');
  return `${k.replace(/_/g, ' ')}: ${v === 'true' ? 'yes' : v === 'false' ? 'no' : v}`;
}

function Score({ label, value }: { label: string; value: number }) {
  return (
    <div>
      <dt className="text-xs text-slate-600">{label}</dt>
      <dd className="flex flex-wrap items-center gap-x-1.5 text-sm font-medium">
        <span aria-hidden="true" className="flex gap-0.5">
          {[1, 2, 3, 4, 5].map((i) => (
            <span key={i} className={`inline-block h-2.5 w-2.5 rounded-sm ${i <= value ? 'bg-indigo-600' : 'bg-slate-200'}`} />
          ))}
        </span>
        <span className="whitespace-nowrap">{value} of 5</span>
      </dd>
    </div>
  );
}

function SegmentPart({ s, customer }: { s: SegmentInsight | null; customer: Customer }) {
  if (!s) {
    return (
      <Part title="Segment">
        <p className="text-sm text-slate-700">
          {customer.segment_status === 'pending'
            ? 'Segment pending: the AI layer was busy when the customer was saved; a background job classifies it shortly.'
            : 'Not segmented yet: the segment models have not been trained.'}
        </p>
      </Part>
    );
  }
  const profile = s.basis === 'profile';
  const hasRfm = typeof s.r_score === 'number' && typeof s.f_score === 'number' && typeof s.m_score === 'number';
  return (
    <Part title="Segment" source={s.source}>
      <p className="flex flex-wrap items-center gap-2 text-sm">
        <SegmentBadge segment={s.name} status="assigned" confidence={profile ? (s.confidence ?? 0) : null} />
        <span className="text-slate-700">
          {profile
            ? `Predicted from the profile (no purchases yet)${typeof s.confidence === 'number' ? `, ${percent(s.confidence)} confidence` : ''}`
            : 'From purchase behaviour (recency, frequency, monetary value)'}
        </span>
      </p>
      {customer.segment && customer.segment !== s.name && (
        <p className="mt-1 text-xs text-slate-700">Stored segment: {customer.segment} (updated at the next training run).</p>
      )}
      {hasRfm && (
        <>
          <p className="mt-2 text-xs font-medium uppercase tracking-wide text-slate-600">RFM scores (1 worst, 5 best)</p>
          <dl className="mt-0.5 grid grid-cols-3 gap-2">
            <Score label="Recency" value={s.r_score as number} />
            <Score label="Frequency" value={s.f_score as number} />
            <Score label="Monetary" value={s.m_score as number} />
          </dl>
        </>
      )}
      {profile ? (
        s.factors.length > 0 && (
          <div className="mt-2">
            <p className="text-xs font-medium uppercase tracking-wide text-slate-600">Profile attributes the prediction reads</p>
            <ul className="mt-1 flex flex-wrap gap-1.5">
              {s.factors.map((f) => (
                <li key={f.name} className="rounded bg-slate-100 px-1.5 py-0.5 text-xs text-slate-800">
                  {profileToken(f.name)}
                </li>
              ))}
            </ul>
          </div>
        )
      ) : (
        <Reasons factors={s.factors} />
      )}
    </Part>
  );
}

function ValuePart({ v }: { v: ValueInsight | null | undefined }) {
  if (!v) {
    return (
      <Part title="Value and churn risk">
        <p className="text-sm text-slate-700">No purchases to learn from yet: value and churn risk are estimated once the customer has bought.</p>
      </Part>
    );
  }
  return (
    <Part title="Value and churn risk" source={v.source}>
      <dl className="grid grid-cols-2 gap-x-3 gap-y-2 text-sm">
        <div>
          <dt className="text-xs text-slate-600">12-month value (CLV)</dt>
          <dd className="text-lg font-semibold text-slate-900">{moneyMajor(v.clv_12_months, v.currency)}</dd>
        </div>
        <div>
          <dt className="text-xs text-slate-600">Churn risk</dt>
          <dd className="flex flex-wrap items-center gap-2">
            <ChurnBadge level={v.churn_level} />
            <span className="font-medium">{percent(v.churn_risk)}</span>
          </dd>
        </div>
        <div>
          <dt className="text-xs text-slate-600">Expected purchases, next 90 days</dt>
          <dd className="font-medium">{v.expected_purchases_90_days.toFixed(1)}</dd>
        </div>
        <div>
          <dt className="text-xs text-slate-600">Probability still active</dt>
          <dd className="font-medium">{percent(v.probability_alive)}</dd>
        </div>
      </dl>
      <Reasons factors={v.factors} />
    </Part>
  );
}

const DIRECTION: Record<string, { arrow: string; word: string }> = {
  improving: { arrow: '↗', word: 'Improving' },
  declining: { arrow: '↘', word: 'Declining' },
  steady: { arrow: '→', word: 'Steady' },
};

function SentimentPart({ s }: { s: SentimentInsight | null | undefined }) {
  if (!s) {
    return (
      <Part title="Sentiment trend">
        <p className="text-sm text-slate-700">No scored notes yet: sentiment comes from the text of notes, calls, e-mails and meetings.</p>
      </Part>
    );
  }
  const d = DIRECTION[s.direction] ?? { arrow: '', word: s.direction };
  const t = tone(s.level);
  // The slope of two notes written close together says little; it is shown when plausible.
  const slope = Math.abs(s.slope_per_30_days) <= 2 ? `, ${signed(s.slope_per_30_days)} per 30 days` : '';
  return (
    <Part title="Sentiment trend" source={s.source}>
      <p className="text-sm">
        <span className={`font-semibold ${s.direction === 'declining' ? 'text-rose-800' : s.direction === 'improving' ? 'text-emerald-800' : 'text-slate-900'}`}>
          <span aria-hidden="true">{d.arrow} </span>
          {d.word}
        </span>
        <span className="text-slate-800">{slope}</span>
      </p>
      <p className="mt-1 text-sm text-slate-800">
        Overall {t} ({signed(s.level)}, recent notes weigh more); last {signed(s.last)}; from {s.n} scored {s.n === 1 ? 'activity' : 'activities'}.
      </p>
    </Part>
  );
}

const REASON: Record<string, string> = {
  similar_to_purchases: 'bought by customers with similar purchases',
  popular: 'popular with all customers',
};

function RecommendationsPart({ r }: { r: RecommendationsInsight | null | undefined }) {
  if (!r || r.items.length === 0) {
    return (
      <Part title="Recommended products" source={r?.source}>
        <p className="text-sm text-slate-700">No products to recommend yet.</p>
      </Part>
    );
  }
  return (
    <Part title="Recommended products" source={r.source}>
      <ol className="list-decimal space-y-1 pl-5 text-sm">
        {r.items.map((i) => (
          <li key={i.product_id}>
            <span className="font-medium">{i.name ?? i.product_id}</span>
            {i.sku && <span className="ml-1 font-mono text-xs text-slate-600">{i.sku}</span>}
            <span className="block text-xs text-slate-700">{REASON[i.reason] ?? i.reason.replace(/_/g, ' ')}</span>
          </li>
        ))}
      </ol>
    </Part>
  );
}

export function InsightsPanel({ customer }: { customer: Customer }) {
  const q = useCustomerInsightsQuery({ id: customer.id });
  let body;
  if (q.isLoading) body = <Loading label="Asking the AI layer…" />;
  else if (q.error || !q.data) {
    const e = formErrors(q.error);
    body = <ErrorState message={e.status === 503 ? `The AI layer is not answering right now. ${e.message ?? ''}`.trim() : errorMessage(q.error)} onRetry={q.refetch} />;
  } else {
    const i = q.data;
    const seg = segmentInsight(i);
    if (!seg && !i.value && !i.sentiment && !i.recommendations) {
      body =
        customer.segment_status === 'pending' ? (
          <p className="text-sm text-slate-700">Segment pending: the AI layer was busy when the customer was saved; a background job classifies it shortly.</p>
        ) : (
          <NotTrained>No insights yet: the AI models have not been trained.</NotTrained>
        );
    } else {
      body = (
        <div className="divide-y divide-slate-100 [&>section]:pb-3 [&>section:last-child]:pb-0">
          <SegmentPart s={seg} customer={customer} />
          <ValuePart v={i.value} />
          <SentimentPart s={i.sentiment} />
          <RecommendationsPart r={i.recommendations} />
        </div>
      );
    }
  }
  return (
    <Card title="AI insights" actions={q.isFetching && !q.isLoading ? <span className="text-xs text-slate-600">Updating…</span> : undefined}>
      {body}
    </Card>
  );
}
