//! BG/NBD + Gamma-Gamma on CDNOW (Fader, Hardie & Lee 2005): calibration 1997-01-01..1997-09-30,
//! holdout 1997-10-01..1998-06-30 (39 weeks), time unit one week, same-day purchases merged.

use super::read;
use crate::AiError;
use crate::clv::{BgNbd, CustomerHistory, GammaGamma, Purchase, Rfm, summarise};
use chrono::NaiveDate;
use serde::Serialize;
use std::path::Path;
use std::time::Instant;

/// `lifetimes` 0.11.3 on CDNOW_sample: r, α, a, b, log-likelihood.
pub const REFERENCE_BGNBD: [f64; 5] = [0.2426, 4.4136, 0.7929, 2.4259, -9582.43];
/// `lifetimes` 0.11.3 Gamma-Gamma on the sample's repeaters: p, q, γ.
pub const REFERENCE_GAMMA_GAMMA: [f64; 3] = [6.2496, 3.7442, 15.4435];
/// Σ E[Y(39) | x, t_x, T] and the per-customer MAE of the reference, and the actual total.
pub const REFERENCE_HOLDOUT: (f64, f64, u32) = (1653.4, 0.7855, 1882);
pub const HOLDOUT_WEEKS: f64 = 39.0;

/// The protocol's results on one file.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub customers: usize,
    pub repeaters: usize,
    pub bgnbd: BgNbd,
    pub gamma_gamma: GammaGamma,
    pub holdout_predicted: f64,
    pub holdout_actual: u32,
    pub holdout_mae: f64,
    /// Wall time of the BG/NBD fit alone.
    pub fit_seconds: f64,
    pub gamma_gamma_fit_seconds: f64,
}

fn date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y%m%d").ok()
}

/// Reads `CDNOW_sample.txt` (master id, id, date, CDs, dollars; no header) or
/// `CDNOW_master.txt` (id, date, CDs, dollars; a header line): whitespace separated.
pub fn read_cdnow(path: &Path) -> Result<Vec<Purchase>, AiError> {
    let data = read(path)?;
    let mut out = Vec::new();
    for (n, line) in data.lines().enumerate() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let (customer, day, amount) = match fields.len() {
            5 => (fields[1], fields[2], fields[4]),
            4 => (fields[0], fields[1], fields[3]),
            0 => continue,
            _ => {
                return Err(AiError::data(
                    path.display(),
                    format!("line {}: bad row", n + 1),
                ));
            }
        };
        let (Ok(customer), Some(date), Ok(amount)) = (customer.parse(), date(day), amount.parse())
        else {
            if n == 0 {
                continue; // the header of CDNOW_master.txt
            }
            return Err(AiError::data(
                path.display(),
                format!("line {}: bad value", n + 1),
            ));
        };
        out.push(Purchase {
            customer,
            date,
            amount,
        });
    }
    Ok(out)
}

/// The calibration summary of the protocol.
pub fn calibration(purchases: &[Purchase]) -> Vec<CustomerHistory> {
    let end = NaiveDate::from_ymd_opt(1997, 9, 30).unwrap_or_default();
    let holdout_end = NaiveDate::from_ymd_opt(1998, 6, 30).unwrap_or_default();
    summarise(purchases, end, holdout_end, 7.0)
}

/// Runs the protocol on one CDNOW file.
pub fn evaluate(path: &Path) -> Result<Report, AiError> {
    let histories = calibration(&read_cdnow(path)?);
    let rfm: Vec<Rfm> = histories.iter().map(|h| h.calibration).collect();
    let started = Instant::now();
    let bgnbd = BgNbd::fit(&rfm)?;
    let fit_seconds = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let gamma_gamma = GammaGamma::fit(&rfm)?;
    let gamma_gamma_fit_seconds = started.elapsed().as_secs_f64();
    let (mut predicted, mut abs_err, mut actual) = (0.0, 0.0, 0);
    for h in &histories {
        let p = bgnbd.expected_purchases(&h.calibration, HOLDOUT_WEEKS);
        predicted += p;
        abs_err += (p - f64::from(h.holdout_purchases)).abs();
        actual += h.holdout_purchases;
    }
    Ok(Report {
        customers: histories.len(),
        repeaters: rfm.iter().filter(|c| c.x > 0.0).count(),
        bgnbd,
        gamma_gamma,
        holdout_predicted: predicted,
        holdout_actual: actual,
        holdout_mae: abs_err / histories.len().max(1) as f64,
        fit_seconds,
        gamma_gamma_fit_seconds,
    })
}
