//! The Gamma-Gamma model of spend per transaction (Fader, Hardie & Lee 2005, "RFM and CLV:
//! Using Iso-Value Curves for Customer Base Analysis", JMR 42(4); derivations in Fader & Hardie
//! 2013, "The Gamma-Gamma Model of Monetary Value"): a customer's transaction values are
//! Gamma(p, ν) around their mean, with ν ~ Gamma(q, γ) across customers. Fitted by plain maximum
//! likelihood on customers with at least one repeat purchase.

use serde::{Deserialize, Serialize};

use super::Rfm;
use crate::math::{ln_gamma, nelder_mead_within};
use crate::{AiError, FORMAT_VERSION, check_format};

/// A fitted Gamma-Gamma spend model.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GammaGamma {
    pub format_version: u32,
    pub p: f64,
    pub q: f64,
    pub gamma: f64,
    pub log_likelihood: f64,
    /// Mean spend per transaction of a customer without repeat purchases: E(Z) = pγ / (q − 1).
    pub population_mean: f64,
}

impl GammaGamma {
    /// Maximum-likelihood fit on the customers with `x > 0` and a positive `zbar`.
    pub fn fit(customers: &[Rfm]) -> Result<Self, AiError> {
        Self::fit_within(customers, usize::MAX)
    }

    /// [`Self::fit`] within about `budget` likelihood evaluations: when the data do not suit
    /// the model the likelihood can rise without bound along a ridge (p → ∞ with pγ fixed) and
    /// an unbounded search would crawl along it; running out of the budget is a failed fit.
    pub fn fit_within(customers: &[Rfm], budget: usize) -> Result<Self, AiError> {
        let repeaters: Vec<(f64, f64)> = customers
            .iter()
            .filter(|c| c.x > 0.0 && c.zbar > 0.0)
            .map(|c| (c.x, c.zbar))
            .collect();
        if repeaters.len() < 3 {
            return Err(AiError::fit("gamma-gamma", "fewer than 3 repeat customers"));
        }
        // ln Γ terms depend on x alone: computed once per distinct x per evaluation.
        let mut xs: Vec<f64> = repeaters.iter().map(|r| r.0).collect();
        xs.sort_by(f64::total_cmp);
        xs.dedup();
        let rows: Vec<(usize, f64, f64, f64)> = repeaters
            .iter()
            .map(|&(x, m)| {
                let xi = xs.partition_point(|v| *v < x);
                (xi, x, m, m.ln())
            })
            .collect();
        let mut per_x = vec![0.0; xs.len()];
        let neg_ll = |log_params: &[f64]| -> f64 {
            let [p, q, g] = [0, 1, 2].map(|i| log_params[i].exp());
            let ll = ln_likelihood(&rows, &xs, &mut per_x, p, q, g);
            if ll.is_finite() { -ll } else { f64::INFINITY }
        };
        let found = nelder_mead_within(neg_ll, &[0.0; 3], 0.5, budget);
        if found.evaluations >= budget {
            return Err(AiError::fit(
                "gamma-gamma",
                format!("no maximum within {budget} likelihood evaluations"),
            ));
        }
        let [p, q, gamma] = [0, 1, 2].map(|i| found.x[i].exp());
        if !found.value.is_finite() {
            return Err(AiError::fit(
                "gamma-gamma",
                "the likelihood did not converge",
            ));
        }
        Ok(Self {
            format_version: FORMAT_VERSION,
            p,
            q,
            gamma,
            log_likelihood: -found.value,
            population_mean: p * gamma / (q - 1.0),
        })
    }

    /// Checks a deserialised state.
    pub fn validate(&self) -> Result<(), AiError> {
        check_format("gamma-gamma", self.format_version)
    }

    /// E(M | p, q, γ, m_x, x): the expected value of this customer's future purchases, a
    /// weighted mean of the population mean and the customer's own mean (the conditional
    /// expectation of the JMR paper; = p(γ + x m_x) / (px + q − 1)).
    /// Whether the fitted spend distribution has a finite mean (q > 1); with q ≤ 1 the
    /// population mean, and so the spend of a customer without repeat purchases, is undefined.
    pub fn has_mean(&self) -> bool {
        self.q > 1.0
    }

    pub fn expected_spend(&self, c: &Rfm) -> f64 {
        if c.x <= 0.0 {
            return self.population_mean;
        }
        self.p * (self.gamma + c.x * c.zbar) / (self.p * c.x + self.q - 1.0)
    }
}

/// Σ ln f(z̄ | p, q, γ; x) over customers (x, z̄): the marginal density of a customer's mean
/// spend z̄ over x transactions,
/// f = Γ(px + q) / (Γ(px) Γ(q)) · γ^q x^{px} z̄^{px−1} / (γ + x z̄)^{px+q}.
fn ln_likelihood(
    rows: &[(usize, f64, f64, f64)],
    xs: &[f64],
    per_x: &mut [f64],
    p: f64,
    q: f64,
    g: f64,
) -> f64 {
    let (ln_gamma_q, ln_g) = (ln_gamma(q), g.ln());
    for (slot, &x) in per_x.iter_mut().zip(xs) {
        let px = p * x;
        *slot = ln_gamma(px + q) - ln_gamma(px) - ln_gamma_q + q * ln_g + px * x.ln();
    }
    rows.iter()
        .map(|&(xi, x, m, ln_m)| {
            let px = p * x;
            per_x[xi] + (px - 1.0) * ln_m - (px + q) * (g + x * m).ln()
        })
        .sum()
}
