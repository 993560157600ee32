//! SQLCipher (SQLite only): with a key nothing readable reaches the disk, and the file opens
//! only with that key.

use crate::fixtures::{add_customers, add_user, customer};
use crate::harness::sqlite_config;
use nexus_core::customer::Customer;
use nexus_core::store::Store;
use std::path::Path;

const NAME: &str = "Quentin Plaintextovich";
const EMAIL: &str = "needle.in.the.haystack@cleartext.example";
const KEY: &str = "correct horse 'battery' staple";

/// Creates a store in `dir`, writes a customer with distinctive text, and closes it.
async fn write_customer(dir: &Path, key: Option<&str>) -> Customer {
    let db = nexus_store::connect(&sqlite_config(dir, key))
        .await
        .unwrap();
    db.migrate().await.unwrap();
    let owner = add_user(&db, None).await;
    let mut c = customer(owner, NAME);
    c.email = Some(EMAIL.into());
    c.tags = vec!["secret-tag-xyzzy".into()];
    add_customers(&db, &[c.clone()]).await;
    assert_eq!(db.get_customer(c.id).await.unwrap().as_ref(), Some(&c));
    db.close().await;
    c
}

/// The bytes of the database file and of its WAL, if any.
fn database_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with("nexus.db") {
            out.push((name, std::fs::read(entry.path()).unwrap()));
        }
    }
    assert!(
        out.iter().any(|(n, b)| n == "nexus.db" && b.len() > 4096),
        "the database file exists: {:?}",
        out.iter().map(|(n, b)| (n, b.len())).collect::<Vec<_>>()
    );
    out
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[tokio::test]
async fn encrypted_database_hides_its_contents() {
    let dir = tempfile::tempdir().unwrap();
    let c = write_customer(dir.path(), Some(KEY)).await;

    for (name, bytes) in database_files(dir.path()) {
        for needle in [NAME, EMAIL, "secret-tag-xyzzy", "customers", "CREATE TABLE"] {
            assert!(
                !contains(&bytes, needle),
                "{needle:?} is readable in {name}"
            );
        }
        if name == "nexus.db" {
            assert!(
                !bytes.starts_with(b"SQLite format 3"),
                "the header is not the plaintext SQLite header"
            );
        }
    }

    // The wrong key and no key are refused when connecting.
    for key in [Some("wrong key"), None, Some("")] {
        let res = nexus_store::connect(&sqlite_config(dir.path(), key)).await;
        match res {
            Ok(db) => {
                db.close().await;
                panic!("opened an encrypted database with key {key:?}");
            }
            Err(e) => eprintln!("refused with key {key:?}: {e}"),
        }
    }

    // The right key reads the customer back, also after reopening.
    let db = nexus_store::connect(&sqlite_config(dir.path(), Some(KEY)))
        .await
        .unwrap();
    db.migrate().await.unwrap();
    assert_eq!(db.get_customer(c.id).await.unwrap(), Some(c.clone()));
    let found = db
        .list_customers(&crate::fixtures::search("plaintextovich"))
        .await
        .unwrap();
    assert_eq!(found, vec![c]);
    db.close().await;
}

/// Control for the test above: without a key the same text is plainly in the file, so the
/// search for it can find it.
#[tokio::test]
async fn unencrypted_database_is_plaintext() {
    let dir = tempfile::tempdir().unwrap();
    write_customer(dir.path(), None).await;
    let files = database_files(dir.path());
    for needle in [NAME, EMAIL, "secret-tag-xyzzy"] {
        assert!(
            files.iter().any(|(_, b)| contains(b, needle)),
            "{needle:?} should be readable without encryption"
        );
    }
    let (_, main) = files.iter().find(|(n, _)| n == "nexus.db").unwrap();
    assert!(main.starts_with(b"SQLite format 3\0"));
}
