use crate::common::eval_data;
use nexus_ai::eval::segments::evaluate;

#[test]
fn rfm_kmeans_reaches_scikit_learn_sse_and_silhouette_on_cdnow_master() {
    let report =
        evaluate(&eval_data().join("clv/CDNOW_master.txt"), true).unwrap_or_else(|e| panic!("{e}"));
    eprintln!("{report:#?}");
    assert_eq!(report.customers, 23_570);
    for k in &report.ks {
        assert!(
            (k.sse - k.reference_sse).abs() <= 0.001 * k.reference_sse,
            "k={} sse {}",
            k.k,
            k.sse
        );
        assert!(
            (k.silhouette - k.reference_silhouette).abs() <= 0.005,
            "k={} silhouette {}",
            k.k,
            k.silhouette
        );
        let mut names = k.names.clone();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), k.k, "names must be distinct: {:?}", k.names);
    }
}
