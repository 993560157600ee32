//! Shared by the data-set tests: where the evaluation data live.

use std::path::PathBuf;

/// `NEXUS_EVAL_DATA`, or `/work/shared/eval-data`. Panics with a clear message when missing:
/// these tests check the quality bars and must not pass silently without the data.
pub fn eval_data() -> PathBuf {
    let dir = std::env::var_os("NEXUS_EVAL_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/work/shared/eval-data"));
    assert!(
        dir.is_dir(),
        "evaluation data not found at {} (set NEXUS_EVAL_DATA to the eval-data folder)",
        dir.display()
    );
    dir
}

pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}
