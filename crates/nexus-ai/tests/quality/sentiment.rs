use crate::common::{eval_data, fixture};
use nexus_ai::eval::sentiment::evaluate;

#[test]
fn vader_compound_is_identical_to_vadersentiment_on_all_ground_truth_texts() {
    let dir = eval_data().join("sentiment");
    let reference = fixture("vader_3.3.2_compound.txt");
    let report = match evaluate(&dir, Some(&reference)) {
        Ok(r) => r,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(report.texts, 23_703);
    for f in &report.files {
        assert_eq!(
            f.mismatches,
            Some(0),
            "{}: first {:?}",
            f.file,
            f.first_mismatches
        );
        assert!(
            (f.pearson_r - f.reference_r).abs() < 5e-5,
            "{}: r {}",
            f.file,
            f.pearson_r
        );
        assert!(
            (f.binary_accuracy - f.reference_accuracy).abs() < 5e-5,
            "{}: binary accuracy {} over {} texts",
            f.file,
            f.binary_accuracy,
            f.binary_n
        );
    }
}
