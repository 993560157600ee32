//! The BG/NBD model of Fader, Hardie & Lee (2005), "Counting Your Customers the Easy Way: An
//! Alternative to the Pareto/NBD Model", Marketing Science 24(2): while alive a customer buys
//! at a Poisson rate λ ~ Gamma(r, α); after each purchase they drop out with probability
//! p ~ Beta(a, b). Fitted by plain maximum likelihood (no penalty).

use serde::{Deserialize, Serialize};
use std::collections::HashMap;

use super::Rfm;
use crate::math::{hyp2f1, ln_gamma, nelder_mead};
use crate::{AiError, FORMAT_VERSION, check_format};

/// A fitted BG/NBD model.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BgNbd {
    pub format_version: u32,
    pub r: f64,
    pub alpha: f64,
    pub a: f64,
    pub b: f64,
    /// Log-likelihood of the calibration data at the fitted parameters.
    pub log_likelihood: f64,
    /// Number of log-likelihood evaluations the fit took.
    pub evaluations: usize,
}

impl BgNbd {
    /// Maximum-likelihood fit. Customers with the same (x, t_x, T) share one likelihood term
    /// (weighted), and the ln Γ terms, which depend on x only, are computed once per distinct x.
    pub fn fit(customers: &[Rfm]) -> Result<Self, AiError> {
        if customers.is_empty() {
            return Err(AiError::fit("bg/nbd", "no customers"));
        }
        let data = Grouped::new(customers);
        let mut scratch = Scratch::default();
        let neg_ll = |log_params: &[f64]| -> f64 {
            let [r, alpha, a, b] = [0, 1, 2, 3].map(|i| log_params[i].exp());
            data.log_likelihood(&mut scratch, r, alpha, a, b)
                .map_or(f64::INFINITY, |ll| -ll)
        };
        let found = nelder_mead(neg_ll, &[0.0; 4], 0.5);
        let [r, alpha, a, b] = [0, 1, 2, 3].map(|i| found.x[i].exp());
        if !found.value.is_finite() {
            return Err(AiError::fit("bg/nbd", "the likelihood did not converge"));
        }
        Ok(Self {
            format_version: FORMAT_VERSION,
            r,
            alpha,
            a,
            b,
            log_likelihood: -found.value,
            evaluations: found.evaluations,
        })
    }

    /// Checks a deserialised state.
    pub fn validate(&self) -> Result<(), AiError> {
        check_format("bg/nbd", self.format_version)
    }

    /// E[Y(t) | X = x, t_x, T]: expected purchases in the next `t` time units of a customer
    /// with this history (eq. 10 of the paper).
    pub fn expected_purchases(&self, c: &Rfm, t: f64) -> f64 {
        let (r, alpha, a, b) = (self.r, self.alpha, self.a, self.b);
        let (x, t_x, age) = (c.x, c.t_x, c.t);
        let z = t / (alpha + age + t);
        let head = (a + b + x - 1.0) / (a - 1.0);
        let tail = 1.0
            - ((alpha + age) / (alpha + age + t)).powf(r + x)
                * hyp2f1(r + x, b + x, a + b + x - 1.0, z);
        let denominator = if x > 0.0 {
            1.0 + a / (b + x - 1.0) * ((alpha + age) / (alpha + t_x)).powf(r + x)
        } else {
            1.0
        };
        head * tail / denominator
    }

    /// P(alive | X = x, t_x, T): the probability that the customer has not dropped out (Fader,
    /// Hardie & Lee 2008, "Computing P(alive) using the BG/NBD model"; 1 without repeat
    /// purchases, as the model only lets a customer drop out right after a purchase).
    pub fn p_alive(&self, c: &Rfm) -> f64 {
        if c.x == 0.0 {
            return 1.0;
        }
        let (r, alpha, a, b) = (self.r, self.alpha, self.a, self.b);
        1.0 / (1.0 + a / (b + c.x - 1.0) * ((alpha + c.t) / (alpha + c.t_x)).powf(r + c.x))
    }

    /// P(no purchase in the next `t` | X = x, t_x, T): the customer has dropped out, or is
    /// alive and makes no purchase in `t` — (1 − P(alive)) + P(alive) · ((α + T)/(α + T + t))^(r + x),
    /// the second factor being the NBD probability of zero events given the posterior
    /// Gamma(r + x, α + T) of the purchase rate (Fader, Hardie & Lee 2005, section 4). Unlike
    /// P(alive) it falls for a single-purchase customer as time passes.
    pub fn p_no_purchase(&self, c: &Rfm, t: f64) -> f64 {
        let alive = self.p_alive(c);
        let quiet = ((self.alpha + c.t) / (self.alpha + c.t + t)).powf(self.r + c.x);
        (1.0 - alive) + alive * quiet
    }

    /// Log-likelihood of `customers` under this model.
    pub fn log_likelihood_of(&self, customers: &[Rfm]) -> f64 {
        Grouped::new(customers)
            .log_likelihood(&mut Scratch::default(), self.r, self.alpha, self.a, self.b)
            .unwrap_or(f64::NEG_INFINITY)
    }
}

/// The calibration data prepared for many likelihood evaluations: customers with the same
/// (x, t_x, T) share one weighted term, and every quantity that depends on x, t_x or T alone is
/// computed once per distinct value (CDNOW has about 90 distinct T and 270 distinct t_x).
struct Grouped {
    xs: Vec<f64>,
    ages: Vec<f64>,
    recencies: Vec<f64>,
    /// (index in xs, index in recencies, index in ages, weight).
    rows: Vec<(usize, usize, usize, f64)>,
}

#[derive(Default)]
struct Scratch {
    per_x: Vec<(f64, f64)>,
    ln_age: Vec<f64>,
    ln_recency: Vec<f64>,
}

fn index_of(values: &mut Vec<f64>, index: &mut HashMap<u64, usize>, v: f64) -> usize {
    *index.entry(v.to_bits()).or_insert_with(|| {
        values.push(v);
        values.len() - 1
    })
}

impl Grouped {
    fn new(customers: &[Rfm]) -> Self {
        let (mut xs, mut ages, mut recencies) = (Vec::new(), Vec::new(), Vec::new());
        let (mut xi, mut ai, mut ri) = (HashMap::new(), HashMap::new(), HashMap::new());
        let mut groups: HashMap<(usize, usize, usize), f64> = HashMap::new();
        for c in customers {
            let key = (
                index_of(&mut xs, &mut xi, c.x),
                index_of(&mut recencies, &mut ri, c.t_x),
                index_of(&mut ages, &mut ai, c.t),
            );
            *groups.entry(key).or_default() += 1.0;
        }
        let mut rows: Vec<_> = groups
            .into_iter()
            .map(|((x, r, a), w)| (x, r, a, w))
            .collect();
        // A fixed order keeps the floating-point sum, and so the fit, reproducible.
        rows.sort_by_key(|&(x, r, a, _)| (x, r, a));
        Self {
            xs,
            ages,
            recencies,
            rows,
        }
    }

    fn log_likelihood(&self, s: &mut Scratch, r: f64, alpha: f64, a: f64, b: f64) -> Option<f64> {
        if ![r, alpha, a, b].iter().all(|v| v.is_finite() && *v > 0.0) {
            return None;
        }
        s.per_x.clear();
        s.per_x.extend(self.xs.iter().map(|&x| {
            let ln_a4_scale = if x > 0.0 {
                (a / (b + x - 1.0)).ln()
            } else {
                0.0
            };
            (ln_a1_a2(x, r, alpha, a, b), ln_a4_scale)
        }));
        s.ln_age.clear();
        s.ln_age.extend(self.ages.iter().map(|t| (alpha + t).ln()));
        s.ln_recency.clear();
        s.ln_recency
            .extend(self.recencies.iter().map(|t| (alpha + t).ln()));
        let mut total = 0.0;
        for &(xi, ri, ai, weight) in &self.rows {
            let x = self.xs[xi];
            let (ln_a1_a2, ln_a4_scale) = s.per_x[xi];
            // eq. 6: ln(A₁A₂) + ln(A₃ + δ A₄), with A₃ + A₄ = A₃ (1 + A₄/A₃).
            let ln_a3 = -(r + x) * s.ln_age[ai];
            let mut term = ln_a1_a2 + ln_a3;
            if x > 0.0 {
                let ln_a4 = ln_a4_scale - (r + x) * s.ln_recency[ri];
                let d = ln_a4 - ln_a3;
                term += if d > 0.0 {
                    d + (-d).exp().ln_1p()
                } else {
                    d.exp().ln_1p()
                };
            }
            total += weight * term;
        }
        total.is_finite().then_some(total)
    }
}

/// ln(A₁ A₂) of eq. 6 of the paper, where the likelihood of one customer is
/// L(r, α, a, b | X = x, t_x, T) = A₁ A₂ (A₃ + δ_{x>0} A₄), with A₃ = (α + T)^−(r+x) and
/// A₄ = a / (b + x − 1) · (α + t_x)^−(r+x), and
/// A₁ = Γ(r + x) α^r / Γ(r), A₂ = Γ(a + b) Γ(b + x) / (Γ(b) Γ(a + b + x)).
fn ln_a1_a2(x: f64, r: f64, alpha: f64, a: f64, b: f64) -> f64 {
    ln_gamma(r + x) - ln_gamma(r) + r * alpha.ln() + ln_gamma(a + b) + ln_gamma(b + x)
        - ln_gamma(b)
        - ln_gamma(a + b + x)
}
