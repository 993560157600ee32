use crate::common::eval_data;
use nexus_ai::eval::recommend::evaluate;

fn round4(x: f64) -> f64 {
    (x * 1e4).round() / 1e4
}

#[test]
fn popularity_and_item_knn_reproduce_the_reference_exactly_on_groceries() {
    let report = evaluate(&eval_data().join("recommend/Groceries_dataset.csv"))
        .unwrap_or_else(|e| panic!("{e}"));
    eprintln!("{report:#?}");
    assert_eq!((report.items, report.members), (167, 3898));
    for r in &report.rows {
        assert_eq!(
            (round4(r.hr_at_10), round4(r.map_at_10)),
            (r.reference_hr, r.reference_map),
            "{} setting {}",
            r.model,
            r.setting
        );
    }
}
