//! Small numerical pieces the models share: ln Γ, the Gaussian hypergeometric function, and a
//! Nelder-Mead minimiser.
//!
//! Nelder-Mead is written here rather than taken from `argmin`: the models only need an
//! unconstrained minimiser of a handful of parameters (in log space), which is ~80 lines, while
//! `argmin` brings its math-backend abstraction and a dozen crates for it. Its behaviour is
//! pinned by the CLV tests, which require the published parameters to four decimals.

/// ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9; relative error around 1e-15).
pub fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection: Γ(x) Γ(1 − x) = π / sin(πx).
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).abs().ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut sum = C[0];
    for (i, c) in C.iter().enumerate().skip(1) {
        sum += c / (x + i as f64);
    }
    let t = x + G + 0.5;
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + sum.ln()
}

/// The Gaussian hypergeometric function ₂F₁(a, b; c; z) by its power series, for 0 ≤ z < 1.
pub fn hyp2f1(a: f64, b: f64, c: f64, z: f64) -> f64 {
    let (mut term, mut sum) = (1.0_f64, 1.0_f64);
    for k in 0..200_000 {
        let k = f64::from(k);
        term *= (a + k) * (b + k) / ((c + k) * (k + 1.0)) * z;
        sum += term;
        if term.abs() <= 1e-15 * sum.abs() {
            break;
        }
    }
    sum
}

/// Outcome of a minimisation.
#[derive(Debug, Clone)]
pub struct Minimum {
    pub x: Vec<f64>,
    pub value: f64,
    pub evaluations: usize,
}

/// Minimises `f` from `start` with Nelder-Mead (coefficients 1, 2, ½, ½), restarting from the
/// best point until a restart no longer improves the value, so that a collapsed simplex does not
/// stop early. `step` is the initial simplex edge along each axis.
pub fn nelder_mead(f: impl FnMut(&[f64]) -> f64, start: &[f64], step: f64) -> Minimum {
    nelder_mead_within(f, start, step, usize::MAX)
}

/// [`nelder_mead`] that stops after about `budget` evaluations of `f` (the minimum found so far
/// is returned; compare its `evaluations` with the budget to see whether it ran out).
pub fn nelder_mead_within(
    mut f: impl FnMut(&[f64]) -> f64,
    start: &[f64],
    step: f64,
    budget: usize,
) -> Minimum {
    let mut best = Minimum {
        x: start.to_vec(),
        value: f(start),
        evaluations: 1,
    };
    for restart in 0..8 {
        if best.evaluations >= budget {
            break;
        }
        let run = nelder_mead_once(
            &mut f,
            &best.x,
            if restart == 0 { step } else { step * 0.1 },
            budget - best.evaluations,
        );
        let improved = best.value - run.value;
        let evaluations = best.evaluations + run.evaluations;
        if run.value <= best.value {
            best = Minimum { evaluations, ..run };
        } else {
            best.evaluations = evaluations;
        }
        if restart > 0 && improved.abs() <= 1e-11 * (1.0 + best.value.abs()) {
            break;
        }
    }
    best
}

fn nelder_mead_once(
    f: &mut impl FnMut(&[f64]) -> f64,
    start: &[f64],
    step: f64,
    budget: usize,
) -> Minimum {
    let n = start.len();
    let mut simplex: Vec<(Vec<f64>, f64)> = Vec::with_capacity(n + 1);
    simplex.push((start.to_vec(), f(start)));
    for i in 0..n {
        let mut x = start.to_vec();
        x[i] += step;
        let v = f(&x);
        simplex.push((x, v));
    }
    let mut evaluations = n + 1;
    let point = |base: &[f64], towards: &[f64], t: f64| -> Vec<f64> {
        base.iter()
            .zip(towards)
            .map(|(b, d)| b + t * (d - b))
            .collect()
    };
    for _ in 0..20_000 {
        if evaluations >= budget {
            break;
        }
        simplex.sort_by(|a, b| a.1.total_cmp(&b.1));
        let (lo, hi) = (simplex[0].1, simplex[n].1);
        let size = simplex[1..]
            .iter()
            .flat_map(|(x, _)| x.iter().zip(&simplex[0].0).map(|(a, b)| (a - b).abs()))
            .fold(0.0, f64::max);
        if (hi - lo).abs() <= 1e-12 * (1.0 + lo.abs()) && size <= 1e-9 {
            break;
        }
        let centroid: Vec<f64> = (0..n)
            .map(|j| simplex[..n].iter().map(|(x, _)| x[j]).sum::<f64>() / n as f64)
            .collect();
        let worst = simplex[n].0.clone();
        let reflected = point(&centroid, &worst, -1.0);
        let fr = f(&reflected);
        evaluations += 1;
        if fr < simplex[0].1 {
            let expanded = point(&centroid, &worst, -2.0);
            let fe = f(&expanded);
            evaluations += 1;
            simplex[n] = if fe < fr {
                (expanded, fe)
            } else {
                (reflected, fr)
            };
        } else if fr < simplex[n - 1].1 {
            simplex[n] = (reflected, fr);
        } else {
            let (contracted, fc) = if fr < simplex[n].1 {
                let c = point(&centroid, &reflected, 0.5);
                let v = f(&c);
                (c, v)
            } else {
                let c = point(&centroid, &worst, 0.5);
                let v = f(&c);
                (c, v)
            };
            evaluations += 1;
            if fc < fr.min(simplex[n].1) {
                simplex[n] = (contracted, fc);
            } else {
                let best = simplex[0].0.clone();
                for vertex in simplex.iter_mut().skip(1) {
                    let x = point(&best, &vertex.0, 0.5);
                    let v = f(&x);
                    *vertex = (x, v);
                }
                evaluations += n;
            }
        }
    }
    simplex.sort_by(|a, b| a.1.total_cmp(&b.1));
    let (x, value) = simplex.swap_remove(0);
    Minimum {
        x,
        value,
        evaluations,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ln_gamma_matches_known_values() {
        assert!((ln_gamma(1.0)).abs() < 1e-14);
        assert!((ln_gamma(5.0) - 24f64.ln()).abs() < 1e-13);
        assert!((ln_gamma(0.5) - std::f64::consts::PI.sqrt().ln()).abs() < 1e-13);
        assert!((ln_gamma(100.5) - 361.435_540_467_777_6).abs() < 1e-10);
    }

    #[test]
    fn hyp2f1_matches_closed_forms() {
        // ₂F₁(1, 1; 2; z) = −ln(1 − z) / z.
        let z = 0.7;
        assert!((hyp2f1(1.0, 1.0, 2.0, z) - (-(1.0 - z).ln() / z)).abs() < 1e-12);
    }

    #[test]
    fn nelder_mead_finds_rosenbrock_minimum() {
        let m = nelder_mead(
            |x| (1.0 - x[0]).powi(2) + 100.0 * (x[1] - x[0] * x[0]).powi(2),
            &[-1.2, 1.0],
            0.5,
        );
        assert!(
            (m.x[0] - 1.0).abs() < 1e-6 && (m.x[1] - 1.0).abs() < 1e-6,
            "{m:?}"
        );
    }
}
