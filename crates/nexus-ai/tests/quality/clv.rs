use crate::common::eval_data;
use nexus_ai::clv::{DiscountRate, Rfm, clv};
use nexus_ai::eval::clv::{REFERENCE_BGNBD, REFERENCE_GAMMA_GAMMA, REFERENCE_HOLDOUT, evaluate};

fn round4(x: f64) -> f64 {
    (x * 1e4).round() / 1e4
}

#[test]
fn bgnbd_and_gamma_gamma_reproduce_lifetimes_on_cdnow_sample() {
    let report =
        evaluate(&eval_data().join("clv/CDNOW_sample.txt")).unwrap_or_else(|e| panic!("{e}"));
    eprintln!("{report:#?}");
    assert_eq!(report.customers, 2357);
    let m = report.bgnbd;
    assert_eq!(
        [round4(m.r), round4(m.alpha), round4(m.a), round4(m.b)],
        REFERENCE_BGNBD[..4],
        "{m:?}"
    );
    assert!(
        (m.log_likelihood - REFERENCE_BGNBD[4]).abs() < 0.05,
        "{}",
        m.log_likelihood
    );
    assert!(
        (report.holdout_predicted - REFERENCE_HOLDOUT.0).abs() < 0.5,
        "{}",
        report.holdout_predicted
    );
    assert_eq!(report.holdout_actual, REFERENCE_HOLDOUT.2);
    let g = report.gamma_gamma;
    assert_eq!(report.repeaters, 946);
    assert_eq!(
        [round4(g.p), round4(g.q), round4(g.gamma)],
        REFERENCE_GAMMA_GAMMA,
        "{g:?}"
    );

    // Per-customer scores are sane: a recent frequent buyer is likelier alive and worth more.
    let active = Rfm {
        x: 10.0,
        t_x: 38.0,
        t: 39.0,
        zbar: 40.0,
    };
    let lapsed = Rfm {
        x: 10.0,
        t_x: 5.0,
        t: 39.0,
        zbar: 40.0,
    };
    assert!(m.p_alive(&active) > 0.9 && m.p_alive(&lapsed) < 0.1);
    let value = |c| clv(&m, &g, c, 12, DiscountRate::Annual(0.1));
    assert!(value(&active) > 10.0 * value(&lapsed).max(1e-9));
}

#[test]
fn bgnbd_fits_cdnow_master() {
    let report =
        evaluate(&eval_data().join("clv/CDNOW_master.txt")).unwrap_or_else(|e| panic!("{e}"));
    eprintln!("{report:#?}");
    assert_eq!(report.customers, 23_570);
    assert!(report.bgnbd.log_likelihood.is_finite());
}
