// Answers of the AI endpoints as a trained server gives them (trimmed), for the component tests.
import type { Customer, ModelInfo, RevenueForecast, Segmentation } from '../../app/api';

export const SOURCE = { model: 'segments@1', trained_at: '2026-11-27T15:49:17Z', computed_at: '2026-11-27T15:50:00Z' };

export const CUSTOMER: Customer = {
  id: 'c-1',
  kind: 'person',
  name: 'Giulia Campbell',
  email: 'giulia@example.com',
  company_name: 'Cobalt Farms LLC',
  status: 'customer',
  owner_id: 'user-1',
  tags: [],
  attributes: {},
  segment: 'At risk',
  segment_status: 'assigned',
  segment_confidence: null,
  version: 2,
  created_at: '2025-10-13T15:35:02Z',
  updated_at: '2026-11-27T15:49:18Z',
};

/** The insights document as the server writes it. */
export const INSIGHTS_JSON = `{"customer_id":"c-1","segment_status":"assigned","segment":{"name":"At risk","basis":"behaviour","confidence":null,"r_score":2,"f_score":2,"m_score":5,"factors":[{"name":"recency_days","value":21.0,"note":"days since the last purchase: 21 (segment typical: 36)"},{"name":"frequency","value":4.0,"note":"purchases: 4 (segment typical: 12)"},{"name":"monetary","value":42623.0,"note":"revenue (USD): 42623 (segment typical: 179700)"}],"source":{"model":"segments@1","trained_at":"2026-11-27T15:49:17.803520Z","computed_at":"2026-11-27T15:49:31.136109Z"}},"value":{"currency":"USD","clv_12_months":57497.677,"probability_alive":0.99,"expected_purchases_90_days":1.438,"churn_risk":0.2689,"churn_level":"low","factors":[{"name":"repeat_purchases","value":3.0,"note":"3 purchases after the first"},{"name":"weeks_since_last_purchase","value":3.11,"note":"3.1 weeks since the last purchase, customer for 55.9 weeks"}],"source":{"model":"clv@1","trained_at":"2026-11-27T15:49:17.879314Z","computed_at":"2026-11-27T15:49:31.136109Z"}},"sentiment":{"n":6,"level":0.8476,"slope_per_30_days":0.0712,"last":0.796,"direction":"improving","source":{"model":"vader-3.3.2","trained_at":null,"computed_at":"2026-11-27T15:49:31.136109Z"}},"recommendations":{"items":[{"product_id":"p-1","name":"Aero 16 Pro Laptop","sku":"NXD-LAP-AERO16-PRO","score":5.07,"reason":"similar_to_purchases"},{"product_id":"p-2","name":"Office Suite, Annual Seat","sku":"NXD-SW-OFFICE-Y","score":4.93,"reason":"similar_to_purchases"}],"source":{"model":"recommend@1","trained_at":"2026-11-27T15:49:18.227112Z","computed_at":"2026-11-27T15:49:31.136109Z"}}}`;

export const FORECAST: RevenueForecast = {
  currency: 'USD',
  history: Array.from({ length: 14 }, (_, i) => ({ month: `${2025 + Math.floor((i + 8) / 12)}-${String(((i + 8) % 12) + 1).padStart(2, '0')}`, revenue: 100_000 + i * 10_000 })),
  forecast: [
    { month: '2026-11', mean: 240_000, lo80: 200_000, hi80: 280_000, lo95: 180_000, hi95: 300_000 },
    { month: '2026-12', mean: 250_000, lo80: 190_000, hi80: 310_000, lo95: 160_000, hi95: 340_000 },
    { month: '2027-01', mean: 260_000, lo80: 180_000, hi80: 340_000, lo95: 140_000, hi95: 380_000 },
  ],
  metrics: { mase: 0.38, seasonal_naive_mase: 0.52, mape: 54.1 },
  source: { model: 'forecast@2', trained_at: '2026-11-27T15:49:17Z', computed_at: '2026-11-27T15:49:17Z' },
};

export const SEGMENTS: Segmentation = {
  currency: 'USD',
  segments: [
    { name: 'Promising', customers: 249, recency_days: 19.1, frequency: 1.7, monetary: 625.6 },
    { name: 'Cannot lose them', customers: 44, recency_days: 321, frequency: 6.8, monetary: 27585.7 },
    { name: 'Champions', customers: 269, recency_days: 15.2, frequency: 9.8, monetary: 4939.5 },
    { name: 'At risk', customers: 112, recency_days: 35.9, frequency: 12.1, monetary: 179700.3 },
  ],
  metrics: {},
  source: SOURCE,
};

export function model(kind: ModelInfo['model'], version: number, status: ModelInfo['status'], metrics: object, extra: Partial<ModelInfo> = {}): ModelInfo {
  return {
    id: `${kind}-${version}`,
    model: kind,
    version,
    status,
    metrics,
    training_rows: 938,
    fit_ms: 12,
    trained_at: '2026-11-27T15:49:17Z',
    promoted_at: status === 'rejected' ? null : '2026-11-27T15:49:17Z',
    ...extra,
  };
}
