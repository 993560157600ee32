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
        summary.contains("250 imported, 0 updated, 1 rejected, 0 duplicates"),
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
        stdout.contains("0 imported, 0 updated, 1 rejected, 250 duplicates"),
        "{stdout}"
    );
    assert!(stdout.contains("(duplicate)"), "{stdout}");

    // With --on-duplicate update, rows of known e-mails change those customers (whatever the
    // case of the e-mail); new ones are created; a repeat run counts every row as updated.
    let changes = dir.path().join("changes.csv");
    std::fs::write(
        &changes,
        "Full Name,E-mail
Renamed 0,P0@example.com
Renamed 1,p1@example.com
New One,new@example.com
",
    )
    .unwrap();
    let changes = changes.to_str().unwrap();
    for expected in [
        "1 imported, 2 updated, 0 rejected, 0 duplicates",
        "0 imported, 3 updated, 0 rejected, 0 duplicates",
    ] {
        let out = nexus(&data, &["import", changes, "--on-duplicate", "update"]);
        let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
        assert!(out.status.success(), "{stdout}\n{stderr}");
        assert!(stderr.contains("on duplicate: update"), "{stderr}");
        assert!(stdout.contains(": completed — 3 rows read"), "{stdout}");
        assert!(stdout.contains(expected), "{stdout}");
    }
    let out = nexus(&data, &["import", changes, "--on-duplicate", "sometimes"]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("on_duplicate"),
        "{}",
        text(&out.stderr)
    );

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

#[test]
fn import_of_transactions_after_customers_and_products_skips_known_orders_on_a_second_run() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let write = |name: &str, csv: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, csv).unwrap();
        path.to_str().unwrap().to_owned()
    };
    let people = write(
        "people.csv",
        "name,email\nAda,ada@example.com\nBo,bo@example.com\n",
    );
    let catalogue = write(
        "products.csv",
        "sku,name,price,currency\nW-1,Widget,1250,EUR\nG-1,Gadget,999,EUR\n",
    );
    let orders = write(
        "orders.csv",
        "Invoice,E-mail,Date,SKU,Qty,Price\n\
         INV-1,ada@example.com,2024-05-01,W-1,2,\n\
         INV-1,ada@example.com,2024-05-01,G-1,1,9.50\n\
         INV-2,bo@example.com,2024-05-02,W-1,1,\n\
         INV-3,bo@example.com,2024-05-03,W-1,1,\n\
         INV-3,bo@example.com,2024-05-03,NOPE,1,\n",
    );
    for (file, entity) in [(&people, "customers"), (&catalogue, "products")] {
        let out = nexus(&data, &["import", file, "--entity", entity]);
        assert!(out.status.success(), "{}", text(&out.stderr));
    }

    let out = nexus(&data, &["import", &orders, "--entity", "transactions"]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("→ order_ref") && stderr.contains("→ unit_price"),
        "{stderr}"
    );
    assert!(stdout.contains(": completed — 5 rows read"), "{stdout}");
    // Rows are line items: INV-1 (two lines) and INV-2 are in; INV-3 is refused whole.
    assert!(
        stdout.contains("3 imported, 0 updated, 2 rejected, 0 duplicates"),
        "{stdout}"
    );
    assert!(
        stdout.contains("row        5: Invoice: not imported: row 6"),
        "{stdout}"
    );
    assert!(
        stdout.contains("row        6: SKU: no product has this SKU"),
        "{stdout}"
    );

    let out = nexus(&data, &["import", &orders, "--entity", "transactions"]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains("0 imported, 0 updated, 2 rejected, 3 duplicates"),
        "{stdout}"
    );
}
