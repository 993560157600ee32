import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { ForecastChart, niceStep } from './ForecastChart';
import { FORECAST } from './testData';

function pointsOf(el: Element | null): number[][] {
  return (el?.getAttribute('points') ?? '').split(' ').filter(Boolean).map((p) => p.split(',').map(Number));
}

it('draws the actual months, the forecast mean and its 80% and 95% bands from the last actual month', () => {
  const { container } = render(<ForecastChart history={FORECAST.history} forecast={FORECAST.forecast} currency="USD" label="Monthly revenue." />);
  const actual = pointsOf(container.querySelector('[data-line="actual"]'));
  const mean = pointsOf(container.querySelector('[data-line="forecast"]'));
  const b95 = pointsOf(container.querySelector('[data-band="95"]'));
  const b80 = pointsOf(container.querySelector('[data-band="80"]'));
  expect(actual).toHaveLength(14);
  // The mean starts at the last actual point, then one point per forecast month.
  expect(mean).toHaveLength(4);
  expect(mean[0]).toEqual(actual[13]);
  // A band: the anchor, the upper edge forward, the lower edge back.
  expect(b95).toHaveLength(1 + 3 + 3);
  expect(b80).toHaveLength(1 + 3 + 3);
  // SVG y grows downwards: at every forecast month the 95% band is wider than the 80% band,
  // and the mean lies inside both.
  for (let k = 0; k < 3; k++) {
    const [hi95, lo95] = [b95[1 + k]![1]!, b95[6 - k]![1]!];
    const [hi80, lo80] = [b80[1 + k]![1]!, b80[6 - k]![1]!];
    const m = mean[1 + k]![1]!;
    expect(hi95).toBeLessThan(hi80);
    expect(lo95).toBeGreaterThan(lo80);
    expect(m).toBeGreaterThan(hi80);
    expect(m).toBeLessThan(lo80);
  }
});

it('reads the months with the arrow keys, and offers the figures as a table', async () => {
  render(<ForecastChart history={FORECAST.history} forecast={FORECAST.forecast} currency="USD" label="Monthly revenue." />);
  const chart = screen.getByRole('slider', { name: /Monthly revenue\. Use the arrow keys/ });
  await userEvent.tab();
  expect(chart).toHaveFocus();
  // Reading starts at the first forecast month.
  expect(chart).toHaveAttribute('aria-valuetext', expect.stringMatching(/November 2026: forecast \$240,000\.00 \(80% interval \$200K to \$280K; 95% interval \$180K to \$300K\)/));
  await userEvent.keyboard('{ArrowLeft}');
  expect(chart).toHaveAttribute('aria-valuetext', 'October 2026: actual revenue $230,000.00');
  expect(screen.getByText('October 2026: actual revenue $230,000.00')).toBeInTheDocument();
  await userEvent.keyboard('{End}');
  expect(chart).toHaveAttribute('aria-valuenow', '16');
  expect(chart.getAttribute('aria-valuetext')).toMatch(/^January 2027: forecast/);

  const table = screen.getByRole('table', { name: 'Monthly revenue and forecast (USD)' });
  const rows = within(table).getAllByRole('row');
  expect(rows).toHaveLength(1 + 17);
  expect(within(rows[17]!).getAllByRole('cell').map((c) => c.textContent)).toEqual(['—', '$260,000.00', '$180K – $340K', '$140K – $380K']);
});

it('picks round gridline steps', () => {
  expect(niceStep(9_500_000)).toBe(2_500_000);
  expect(niceStep(380_000)).toBe(100_000);
  expect(niceStep(0)).toBe(1);
});
