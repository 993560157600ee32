// What the UI knows about the AI layer's answers: segment names and which of them mean "at risk",
// who may read company-wide figures, reading the insights document, and short labels for model
// provenance, sentiment and model metrics.
import type { CustomerInsights, ModelInfo, Provenance, Role, SegmentInsight } from '../../app/api';
import { dateTime, percent } from '../../lib/format';

/**
 * Segment names in the order of their value, as `name_clusters` in crates/nexus-ai/src/segments
 * names them (best first; a fourth cluster of a group is named "<first name> 4").
 */
export const SEGMENT_ORDER = [
  'Champions',
  'Loyal',
  'Potential loyalists',
  'Promising',
  'New customers',
  'Need attention',
  'At risk',
  'Cannot lose them',
  'About to sleep',
  'Hibernating',
  'Lost',
  'Lost (inactive)',
] as const;

/**
 * Segments of customers who bought and are slipping away or gone, most urgent first: valuable
 * customers who stopped buying, then those going quiet, then those gone.
 */
export const AT_RISK_SEGMENTS = ['Cannot lose them', 'At risk', 'About to sleep', 'Hibernating', 'Lost', 'Lost (inactive)'] as const;

/** "At risk 4" → "At risk". */
function baseName(name: string): string {
  return (SEGMENT_ORDER as readonly string[]).includes(name) ? name : name.replace(/ \d+$/, '');
}

export function isAtRisk(name: string | null | undefined): boolean {
  return !!name && (AT_RISK_SEGMENTS as readonly string[]).includes(baseName(name));
}

/** Sort key: the value order of the naming scheme; unknown names last. */
export function segmentRank(name: string): number {
  const i = (SEGMENT_ORDER as readonly string[]).indexOf(baseName(name));
  return i < 0 ? SEGMENT_ORDER.length : i;
}

export function urgencyRank(name: string): number {
  const i = (AT_RISK_SEGMENTS as readonly string[]).indexOf(baseName(name));
  return i < 0 ? AT_RISK_SEGMENTS.length : i;
}

/**
 * Roles that read every record also read company-wide figures (forecast, segments); the API
 * answers 403 to team-scoped roles (managers, sales reps), so the UI does not ask for them.
 */
export function readsCompanyWide(role: Role | undefined): boolean {
  return role === 'admin' || role === 'support' || role === 'viewer';
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The segment part of a customer's insights, or null. Servers before the fix of the duplicated
 * key sent the stored segment's name under the same key `segment`; a name is not an insight.
 */
export function segmentInsight(i: Pick<CustomerInsights, 'segment'> | undefined): SegmentInsight | null {
  const v: unknown = i?.segment;
  return isObject(v) && typeof v.name === 'string' ? (v as unknown as SegmentInsight) : null;
}

/** "segments@3 · trained 27 Nov 2026, 15:49 · computed 27 Nov 2026, 15:50". */
export function provenance(s: Provenance): string {
  return [s.model, s.trained_at ? `trained ${dateTime(s.trained_at)}` : null, `computed ${dateTime(s.computed_at)}`].filter(Boolean).join(' · ');
}

export type Tone = 'positive' | 'neutral' | 'negative';

/** VADER's usual cut-offs on the compound score. */
export function tone(compound: number): Tone {
  return compound >= 0.05 ? 'positive' : compound <= -0.05 ? 'negative' : 'neutral';
}

function num(m: unknown, key: string): number | null {
  const v = isObject(m) ? m[key] : undefined;
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function str(m: unknown, key: string): string | null {
  const v = isObject(m) ? m[key] : undefined;
  return typeof v === 'string' ? v : null;
}

const fixed = (v: number, d = 2) => v.toFixed(d);

/** The metrics that say whether a version is good, as short "label: value" pairs. */
export function keyMetrics(model: ModelInfo['model'], x: unknown): { label: string; value: string }[] {
  const out: { label: string; value: string }[] = [];
  const add = (label: string, v: number | null, f: (v: number) => string = fixed) => {
    if (v !== null) out.push({ label, value: f(v) });
  };
  switch (model) {
    case 'segments':
      add('silhouette', num(x, 'silhouette'));
      add('serving before', num(x, 'serving_silhouette'));
      add('clusters', num(x, 'k'), String);
      add('customers', num(x, 'customers'), (v) => v.toLocaleString());
      break;
    case 'tier':
      add('accuracy', num(x, 'accuracy'), (v) => percent(v, 1));
      add('majority baseline', num(x, 'majority_baseline_accuracy'), (v) => percent(v, 1));
      add('serving before', num(x, 'serving_accuracy'), (v) => percent(v, 1));
      break;
    case 'clv':
      add('log-likelihood per customer', num(x, 'log_likelihood_per_customer'), (v) => fixed(v, 3));
      add('serving before', num(x, 'serving_log_likelihood_per_customer'), (v) => fixed(v, 3));
      add('customers', num(x, 'customers'), (v) => v.toLocaleString());
      break;
    case 'forecast':
      add('holdout MASE', num(x, 'mase'));
      add('seasonal naive MASE', num(x, 'seasonal_naive_mase'));
      add('MAPE', num(x, 'mape'), (v) => `${v.toFixed(1)}%`);
      add('serving before', num(x, 'serving_mase'));
      break;
    case 'win':
      add('holdout AUC', num(x, 'auc'));
      add('Brier', num(x, 'brier'), (v) => fixed(v, 3));
      add('base-rate Brier', num(x, 'base_rate_brier'), (v) => fixed(v, 3));
      add('serving before', num(x, 'serving_auc'));
      break;
    case 'recommend': {
      add('HR@10', num(x, 'hr_at_10'), (v) => percent(v, 1));
      add('popularity HR@10', num(x, 'popularity_hr_at_10'), (v) => percent(v, 1));
      const serves = str(x, 'serves');
      if (serves) out.push({ label: 'serves', value: serves.replace(/_/g, '-') });
      break;
    }
  }
  return out;
}

/** What each model does, for the models screen. */
export const MODEL_PURPOSE: Record<ModelInfo['model'], string> = {
  segments: 'Behavioural segments (RFM k-means over purchases)',
  tier: 'Segment of new customers, predicted from the profile',
  clv: '12-month value, churn risk and expected purchases (BG/NBD + Gamma-Gamma)',
  forecast: 'Monthly revenue forecast with 80% and 95% intervals',
  recommend: 'Next products to offer (item-kNN, or popularity)',
  win: 'Win probability of open deals (logistic regression on closed deals)',
};
