import { render, screen } from '@testing-library/react';
import { isAtRisk, keyMetrics, readsCompanyWide, segmentInsight, segmentRank, tone } from './ai';
import { SegmentBadge, SentimentBadge } from './badges';
import { INSIGHTS_JSON } from './testData';

it('knows the at-risk segments of the naming scheme, numbered ones too', () => {
  expect(['At risk', 'Cannot lose them', 'About to sleep', 'Hibernating', 'Lost', 'Lost (inactive)', 'At risk 4'].every(isAtRisk)).toBe(true);
  expect(['Champions', 'Loyal', 'Promising', 'Need attention', 'Champions 4', null].some(isAtRisk)).toBe(false);
  expect(['Lost', 'Champions', 'Something new', 'Promising'].sort((a, b) => segmentRank(a) - segmentRank(b))).toEqual(['Champions', 'Promising', 'Lost', 'Something new']);
});

it('reads the segment insight, and takes a bare segment name (older servers) for none', () => {
  const parsed = JSON.parse(INSIGHTS_JSON);
  expect(segmentInsight(parsed)?.name).toBe('At risk');
  expect(segmentInsight(parsed)?.r_score).toBe(2);
  expect(segmentInsight({ segment: 'At risk' } as never)).toBeNull();
  expect(segmentInsight({ segment: null })).toBeNull();
});

it('lets only the roles that read every record ask for company-wide figures', () => {
  expect(['admin', 'support', 'viewer'].every((r) => readsCompanyWide(r as never))).toBe(true);
  expect(['manager', 'sales_rep', undefined].some((r) => readsCompanyWide(r as never))).toBe(false);
});

it('sums up each model by its metrics', () => {
  expect(keyMetrics('tier', { accuracy: 0.3466, majority_baseline_accuracy: 0.2784, serving_accuracy: null })).toEqual([
    { label: 'accuracy', value: '34.7%' },
    { label: 'majority baseline', value: '27.8%' },
  ]);
  expect(keyMetrics('recommend', { hr_at_10: 0.814, popularity_hr_at_10: 0.422, serves: 'item_knn' }).map((m) => m.value)).toEqual(['81.4%', '42.2%', 'item-knn']);
  expect(keyMetrics('win', { auc: 0.8123, brier: 0.1712, base_rate_brier: 0.2344, serving_auc: null }).map((m) => `${m.label} ${m.value}`)).toEqual([
    'holdout AUC 0.81',
    'Brier 0.171',
    'base-rate Brier 0.234',
  ]);
  expect(keyMetrics('clv', 'not an object')).toEqual([]);
});

it('colours sentiment with VADER cut-offs and names it for screen readers', () => {
  expect([0.05, 0.049, -0.049, -0.05].map(tone)).toEqual(['positive', 'neutral', 'neutral', 'negative']);
  const { container } = render(
    <>
      <SentimentBadge value={-0.4019} />
      <SentimentBadge value={null} />
    </>,
  );
  expect(container.textContent).toBe('▼Sentiment: Negative −0.40');
});

it('shows a segment with how it was reached', () => {
  render(
    <>
      <SegmentBadge segment="Champions" status="assigned" confidence={0.43} />
      <SegmentBadge segment={null} status="pending" />
      <SegmentBadge segment={null} status="unscored" />
    </>,
  );
  expect(screen.getByText('Champions').closest('span')).toHaveAttribute('title', 'Predicted from the profile (43% confidence)');
  expect(screen.getByText('Segment pending')).toBeInTheDocument();
  expect(screen.getByText('Not segmented yet')).toBeInTheDocument();
});
