//! `nexus import FILE` on a fresh embedded database: the summary, the refused rows, the
//! duplicates of a second run, a bad mapping and a resume of an ended job.

use std::path::Path;
use std::process::{Command, Output};

fn nexus(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nexus"))
        .args(args)
        .env("NEXUS_DATA_DIR", data_dir)
        .env_remove("NEXUS_DATABASE_URL")
        .env_remove("NEXUS_DB_KEY")
        .env_remove("NEXUS_DB_KEY_FILE")
        .env_remove("NEXUS_BOOTSTRAP_ADMIN_EMAIL")
        .env_remove("NEXUS_BOOTSTRAP_ADMIN_PASSWORD")
        .env("NEXUS_LOG_LEVEL", "warn")
        .output()
        .expect("run nexus")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn import_reports_rows_refused_and_duplicates_and_refuses_bad_mappings() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("people.csv");
    let mut csv = String::from("Full Name,E-mail,Notes\n");
    for i in 0..250 {
        csv.push_str(&format!("Person {i},p{i}@example.com,note {i}\n"));
    }
    csv.push_str("Broken,not-an-email,x\n");
    std::fs::write(&file, csv).unwrap();
    let data = dir.path().join("data");
    let path = file.to_str().unwrap();

    let out = nexus(&data, &["import", path, "--batch-size", "100"]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{stdout}\n{stderr}");
    // The mapping suggested from the column names is shown; unmapped columns are named.
    assert!(
        stderr.contains("Full Name") && stderr.contains("→ name"),
        "{stderr}"
    );
    assert!(stderr.contains("(ignored: Notes)"), "{stderr}");
    let summary = stdout
        .lines()
        .find(|l| l.starts_with("import "))
        .unwrap_or_default();
    assert!(summary.contains(": completed — 251 rows read"), "{stdout}");
    assert!(
        summary.contains("250 imported, 1 rejected, 0 duplicates"),
        "{stdout}"
    );
    assert!(stdout.contains("row      252: E-mail: "), "{stdout}");
    let id = summary
        .strip_prefix("import ")
        .and_then(|s| s.split(':').next())
        .unwrap()
        .to_owned();

    // The same file again: every good row is a duplicate now.
    let out = nexus(&data, &["import", path]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains("0 imported, 1 rejected, 250 duplicates"),
        "{stdout}"
    );
    assert!(stdout.contains("(duplicate)"), "{stdout}");

    // A mapping naming what is not there fails before anything is read.
    let out = nexus(
        &data,
        &[
            "import",
            path,
            "--map",
            "Nope=email",
            "--map",
            "Full Name=bogus",
        ],
    );
    let stderr = text(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("mapping.Nope") && stderr.contains("unknown_column"),
        "{stderr}"
    );
    assert!(
        stderr.contains("mapping.Full Name") && stderr.contains("unknown_field"),
        "{stderr}"
    );

    // An ended job does not resume.
    let out = nexus(&data, &["import", "--resume", &id]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("completed already"),
        "{}",
        text(&out.stderr)
    );
}
