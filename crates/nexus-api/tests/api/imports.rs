//! CSV import jobs (upload, mapping, the worker's batches, rejections, cancel, resume) and the
//! customer CSV export.

use crate::helpers::{TestApp, codes, id_of, on_backends_with};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use nexus_core::auth::Role;
use nexus_core::import::worker::{ImportSettings, ImportWorker};
use serde_json::{Value, json};
use std::collections::HashSet;
use std::path::PathBuf;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Uploads `csv` as a customers import.
async fn upload(app: &TestApp, token: &str, csv: &str, content_type: &str) -> crate::helpers::Res {
    upload_as(app, token, csv, content_type, "customers").await
}

pub(crate) async fn upload_as(
    app: &TestApp,
    token: &str,
    csv: &str,
    content_type: &str,
    entity: &str,
) -> crate::helpers::Res {
    let req = Request::builder()
        .method(Method::POST)
        .uri(format!(
            "/api/v1/imports?entity={entity}&file_name=data.csv"
        ))
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", content_type)
        .body(Body::from(csv.to_owned()))
        .unwrap();
    app.raw(req).await
}

pub(crate) fn worker(app: &TestApp, batch_rows: usize, lease: Duration) -> ImportWorker {
    ImportWorker::new(
        app.state.services.clone(),
        ImportSettings {
            batch_rows,
            lease,
            poll: Duration::from_millis(50),
            upload_dir: Some(app.state.config.imports.dir.clone()),
        },
    )
}

/// Runs `test` on each backend, with uploads kept in a fresh folder.
pub(crate) async fn on_backends_importing<F, Fut>(test: F)
where
    F: Fn(TestApp) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let (_dir, path) = import_dir();
    on_backends_with(move |c| c.imports.dir = path.clone(), test).await;
}

/// Claims the next job and runs it to its end.
pub(crate) async fn run_next(app: &TestApp) -> nexus_core::import::ImportJob {
    let w = worker(app, 3, Duration::from_secs(30));
    let job = w.claim_next().await.unwrap().expect("a job to claim");
    w.process(job, &CancellationToken::new(), |_| {})
        .await
        .unwrap()
}

fn import_dir() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_owned();
    (dir, path)
}

#[tokio::test]
async fn csv_import_maps_validates_deduplicates_and_reports_rejections() {
    let (_dir, path) = import_dir();
    on_backends_with(
        move |c| {
            c.imports.dir = path.clone();
            c.imports.max_bytes = 4096;
        },
        |app| async move {
            let (rep_id, rep) = app.user("rep@test.local", Role::SalesRep, None).await;
            let (_, other_rep) = app.user("rep2@test.local", Role::SalesRep, None).await;
            let (_, viewer) = app.user("viewer@test.local", Role::Viewer, None).await;
            app.post("/api/v1/custom-fields", &app.admin, json!({"entity": "customer", "key": "tier",
                "label": "Tier", "field_type": "select", "options": ["gold", "silver"]}))
                .await
                .expect(StatusCode::CREATED);
            app.customer(&app.admin, json!({"name": "Old", "email": "taken@x.io"})).await;
            let csv = "Name,Email,Owner,Tier,Tags\n\
                Ada,ada@x.io,rep@test.local,gold,vip;b2b\n\
                Bo,Taken@x.io,,,\n\
                ,noname@x.io,,,\n\
                Cy,cy@x.io,nobody@x.io,,\n\
                Di,ADA@x.io,,,\n\
                Ed,ed@x.io,,platinum,\n\
                short\n\
                Fay,fay@x.io,,silver,\n";

            // Who may upload, and what.
            upload(&app, &viewer, csv, "text/csv").await.expect(StatusCode::FORBIDDEN);
            upload(&app, &rep, csv, "application/json")
                .await
                .expect(StatusCode::UNSUPPORTED_MEDIA_TYPE);
            let r = upload(&app, &rep, "a,a\n1,2\n", "text/csv")
                .await
                .expect(StatusCode::UNPROCESSABLE_ENTITY);
            assert_eq!(codes(&r), vec!["file:invalid_file"]);
            upload(&app, &rep, &"x".repeat(5000), "text/csv")
                .await
                .expect(StatusCode::PAYLOAD_TOO_LARGE);

            let r = upload(&app, &rep, csv, "text/csv; charset=utf-8")
                .await
                .expect(StatusCode::CREATED);
            let job = r.body.clone();
            let id = id_of(&job);
            assert_eq!(r.header("location"), Some(format!("/api/v1/imports/{id}").as_str()));
            assert_eq!(job["status"], "uploaded");
            assert_eq!(job["columns"], json!(["Name", "Email", "Owner", "Tier", "Tags"]));
            assert_eq!(job["preview"][0], json!(["Ada", "ada@x.io", "rep@test.local", "gold", "vip;b2b"]));
            assert_eq!(
                job["suggested_mapping"],
                json!({"Name": "name", "Email": "email", "Owner": "owner_email", "Tier": "cf.tier", "Tags": "tags"})
            );
            assert!(!job.as_object().unwrap().contains_key("file_path"));
            // Nobody else's business; the fields of a mapping are listed.
            app.get(&format!("/api/v1/imports/{id}"), &other_rep).await.expect(StatusCode::NOT_FOUND);
            let f = app.get("/api/v1/imports/fields?entity=customers", &rep).await.expect(StatusCode::OK);
            let names: Vec<&str> = f.body["data"].as_array().unwrap().iter().map(|f| f["name"].as_str().unwrap()).collect();
            assert!(names.contains(&"email") && names.contains(&"cf.tier"), "{names:?}");

            // A bad mapping is refused field by field.
            let r = app
                .post(&format!("/api/v1/imports/{id}/start"), &rep,
                    json!({"mapping": {"Name": "email", "Nope": "phone", "Tags": "bogus", "Email": "email"}}))
                .await
                .expect(StatusCode::UNPROCESSABLE_ENTITY);
            let c = codes(&r);
            for want in ["mapping.Nope:unknown_column", "mapping.Tags:unknown_field", "mapping:missing_field"] {
                assert!(c.contains(&want.to_owned()), "{c:?}");
            }
            assert!(c.iter().any(|c| c.ends_with(":duplicate_field")), "{c:?}");
            // Nothing runs before the start.
            assert!(worker(&app, 3, Duration::from_secs(30)).claim_next().await.unwrap().is_none());

            let r = app
                .post(&format!("/api/v1/imports/{id}/start"), &rep, json!({}))
                .await
                .expect(StatusCode::ACCEPTED);
            assert_eq!(r.body["status"], "queued");
            assert_eq!(r.body["mapping"], job["suggested_mapping"]);
            app.post(&format!("/api/v1/imports/{id}/start"), &rep, json!({}))
                .await
                .expect(StatusCode::CONFLICT);

            let done = run_next(&app).await;
            assert_eq!(done.status.as_str(), "completed");
            let j = app.get(&format!("/api/v1/imports/{id}"), &rep).await.expect(StatusCode::OK).body;
            assert_eq!(j["status"], "completed");
            assert_eq!(
                (j["rows_processed"].as_i64(), j["rows_accepted"].as_i64(), j["rows_rejected"].as_i64(), j["rows_duplicate"].as_i64()),
                (Some(8), Some(2), Some(4), Some(2))
            );
            assert_eq!(j["bytes_processed"], j["file_bytes"]);

            // Rejections, by row number, with the column each reason came from; paged.
            let r = app
                .get(&format!("/api/v1/imports/{id}/rejections?limit=4"), &rep)
                .await
                .expect(StatusCode::OK)
                .body;
            let rows: Vec<i64> = r["data"].as_array().unwrap().iter().map(|x| x["row"].as_i64().unwrap()).collect();
            assert_eq!(rows, vec![3, 4, 5, 6]);
            assert_eq!(r["next_after"], 6);
            let row = |n: usize| r["data"][n].clone();
            assert_eq!(row(0)["duplicate"], true);
            assert_eq!(row(0)["errors"][0]["code"], "email_taken");
            assert_eq!(row(0)["values"]["Name"], "Bo");
            assert_eq!(row(1)["errors"][0]["column"], "Name");
            assert_eq!(row(2)["errors"][0]["column"], "Owner");
            // A sales rep may name only themselves: any other e-mail, a user's or not, gets the
            // same answer (an import does not tell which e-mails belong to users).
            assert_eq!(row(2)["errors"][0]["code"], "not_permitted");
            assert_eq!(row(3)["duplicate"], true);
            let r = app
                .get(&format!("/api/v1/imports/{id}/rejections?after=6"), &rep)
                .await
                .expect(StatusCode::OK)
                .body;
            assert_eq!(r["data"][0]["row"], 7);
            assert_eq!(r["data"][0]["errors"][0]["field"], "attributes.tier");
            assert_eq!(r["data"][0]["errors"][0]["column"], "Tier");
            assert_eq!(r["data"][0]["errors"][0]["code"], "invalid_choice");
            assert_eq!(r["data"][1]["row"], 8);
            assert_eq!(r["data"][1]["errors"][0]["code"], "wrong_column_count");
            assert_eq!(r["next_after"], Value::Null);

            // The accepted rows are customers like any other, owned as the file says.
            let list = app.get("/api/v1/customers?q=ada", &app.admin).await.expect(StatusCode::OK).body;
            let ada = &list["data"][0];
            assert_eq!(ada["owner_id"], rep_id.as_str());
            assert_eq!(ada["tags"], json!(["vip", "b2b"]));
            assert_eq!(ada["attributes"]["tier"], "gold");
            let fay = app.get("/api/v1/customers?q=fay", &rep).await.expect(StatusCode::OK).body;
            assert_eq!(fay["data"][0]["attributes"]["tier"], "silver");

            // Progress is in the event log, for the importer.
            app.state.store.sequence_events(10_000).await.unwrap();
            let ev = app.get("/api/v1/events?limit=500", &rep).await.expect(StatusCode::OK).body;
            let types: Vec<&str> = ev["data"].as_array().unwrap().iter()
                .filter(|e| e["entity"] == "import").map(|e| e["type"].as_str().unwrap()).collect();
            assert_eq!(types.first(), Some(&"import.created"));
            assert!(types.contains(&"import.progress"), "{types:?}");
            assert_eq!(types.last(), Some(&"import.completed"));
            let last = ev["data"].as_array().unwrap().iter().rfind(|e| e["entity"] == "import").unwrap();
            assert_eq!(last["changes"]["rows_accepted"]["after"], 2);
            assert_eq!(last["changes"]["status"]["after"], "completed");
            let ev = app.get("/api/v1/events?limit=500", &other_rep).await.expect(StatusCode::OK).body;
            assert!(!ev["data"].as_array().unwrap().iter().any(|e| e["entity"] == "import"));

            // The upload's file goes once the job has ended; the job's figures stay.
            let file = app.state.config.imports.dir.join(format!("{id}.csv"));
            assert!(file.is_file());
            let removed = worker(&app, 3, Duration::from_secs(30)).sweep_uploads().await.unwrap();
            assert!(removed >= 1, "{removed}");
            assert!(!file.exists());
            app.get(&format!("/api/v1/imports/{id}"), &rep).await.expect(StatusCode::OK);

            // An ended job cannot be cancelled; lists show one's own jobs (admins: all).
            app.post(&format!("/api/v1/imports/{id}/cancel"), &rep, json!({}))
                .await
                .expect(StatusCode::CONFLICT);
            let mine = app.get("/api/v1/imports", &rep).await.expect(StatusCode::OK).body;
            assert_eq!(mine["data"].as_array().unwrap().len(), 1);
            let theirs = app.get("/api/v1/imports", &other_rep).await.expect(StatusCode::OK).body;
            assert!(theirs["data"].as_array().unwrap().is_empty());
            let all = app.get("/api/v1/imports", &app.admin).await.expect(StatusCode::OK).body;
            assert_eq!(all["data"].as_array().unwrap().len(), 1);
        },
    )
    .await;
}

#[tokio::test]
async fn an_interrupted_import_resumes_without_duplicates_and_a_cancelled_one_stops() {
    on_backends_importing(|app| async move {
        let mut csv = String::from("name,email\n");
        for i in 0..350 {
            csv.push_str(&format!("Person {i},p{i}@x.io\n"));
        }
        let id = id_of(
            &upload(&app, &app.admin, &csv, "text/csv")
                .await
                .expect(StatusCode::CREATED)
                .body,
        );
        app.post(
            &format!("/api/v1/imports/{id}/start"),
            &app.admin,
            json!({}),
        )
        .await
        .expect(StatusCode::ACCEPTED);

        // Worker A commits one batch and dies (stops without releasing its lease).
        let a = worker(&app, 100, Duration::from_millis(600));
        let job = a.claim_next().await.unwrap().unwrap();
        let stop = CancellationToken::new();
        let dying = stop.clone();
        let j = a.process(job, &stop, |_| dying.cancel()).await.unwrap();
        assert_eq!(j.status.as_str(), "running");
        assert_eq!(j.progress.rows_accepted, 100);
        // B waits for the lease, then goes on from A's checkpoint.
        let b = worker(&app, 100, Duration::from_secs(30));
        assert!(
            b.claim_next().await.unwrap().is_none(),
            "the lease still holds"
        );
        tokio::time::sleep(Duration::from_millis(700)).await;
        let job = b.claim_next().await.unwrap().expect("the orphaned job");
        assert_eq!(job.progress.rows_processed, 100);
        let j = b
            .process(job, &CancellationToken::new(), |_| {})
            .await
            .unwrap();
        assert_eq!(j.status.as_str(), "completed");
        assert_eq!(
            (
                j.progress.rows_processed,
                j.progress.rows_accepted,
                j.progress.rows_duplicate
            ),
            (350, 350, 0)
        );
        let mut emails = HashSet::new();
        for c in app
            .all_pages("/api/v1/customers?limit=500", &app.admin)
            .await
        {
            assert!(
                emails.insert(c["email"].as_str().unwrap().to_owned()),
                "imported twice: {c}"
            );
        }
        assert_eq!(emails.len(), 350);

        // Cancelled between batches: what was committed stays, nothing more is read.
        let mut csv = String::from("name,email\n");
        for i in 0..250 {
            csv.push_str(&format!("Other {i},o{i}@x.io\n"));
        }
        let id = id_of(
            &upload(&app, &app.admin, &csv, "text/csv")
                .await
                .expect(StatusCode::CREATED)
                .body,
        );
        app.post(
            &format!("/api/v1/imports/{id}/start"),
            &app.admin,
            json!({}),
        )
        .await
        .expect(StatusCode::ACCEPTED);
        let c = worker(&app, 100, Duration::from_millis(100));
        let job = c.claim_next().await.unwrap().unwrap();
        let stop = CancellationToken::new();
        let s = stop.clone();
        c.process(job, &stop, |_| s.cancel()).await.unwrap();
        let r = app
            .post(
                &format!("/api/v1/imports/{id}/cancel"),
                &app.admin,
                json!({}),
            )
            .await
            .expect(StatusCode::OK);
        assert_eq!(r.body["status"], "cancelled");
        assert_eq!(r.body["rows_accepted"], 100);
        tokio::time::sleep(Duration::from_millis(150)).await;
        assert!(
            c.claim_next().await.unwrap().is_none(),
            "a cancelled job is not taken up"
        );
        // A worker that still holds it cannot commit any more.
        let job: nexus_core::import::ImportJob = serde_json::from_value(r.body.clone()).unwrap();
        let mut running = job.clone();
        running.status = nexus_core::import::ImportStatus::Running;
        running.file_path = app
            .state
            .store
            .get_import(job.id)
            .await
            .unwrap()
            .unwrap()
            .file_path;
        let j = c
            .process(running, &CancellationToken::new(), |_| {})
            .await
            .unwrap();
        assert_eq!(j.status.as_str(), "cancelled");
        assert_eq!(j.progress.rows_accepted, 100);
        let n = app
            .get("/api/v1/customers?q=other&limit=500", &app.admin)
            .await
            .expect(StatusCode::OK)
            .body;
        assert_eq!(n["data"].as_array().unwrap().len(), 100);
    })
    .await;
}

#[tokio::test]
async fn customer_export_streams_the_filtered_list_within_the_callers_reach() {
    on_backends_with(
        |_| {},
        |app| async move {
            let (_, rep) = app.user("rep@test.local", Role::SalesRep, None).await;
            let (_, other) = app.user("other@test.local", Role::SalesRep, None).await;
            app.post("/api/v1/custom-fields", &app.admin, json!({"entity": "customer", "key": "score",
                "label": "Score", "field_type": "number"}))
                .await
                .expect(StatusCode::CREATED);
            app.customer(&rep, json!({"name": "Ada, Ltd", "email": "ada@x.io", "tags": ["vip"], "attributes": {"score": 5}})).await;
            app.customer(&rep, json!({"name": "=HYPERLINK(\"x\")", "phone": "+44 20 7946 0000"})).await;
            app.customer(&other, json!({"name": "Not yours"})).await;
            // More than one page of the export, as admin.
            let items: Vec<Value> = (0..1000).map(|i| json!({"name": format!("Bulk {i}")})).collect();
            app.post("/api/v1/customers/batch", &app.admin, json!({"items": items}))
                .await
                .expect(StatusCode::CREATED);
            app.customer(&app.admin, json!({"name": "Bulk last"})).await;

            let csv = |r: &crate::helpers::Res| r.body.as_str().unwrap_or_default().to_owned();
            let r = app.get("/api/v1/customers/export", &rep).await.expect(StatusCode::OK);
            assert_eq!(r.header("content-type"), Some("text/csv; charset=utf-8"));
            let text = csv(&r);
            let mut rdr = csv::Reader::from_reader(text.as_bytes());
            let header: Vec<String> = rdr.headers().unwrap().iter().map(str::to_owned).collect();
            assert_eq!(header.first().map(String::as_str), Some("id"));
            assert_eq!(header.last().map(String::as_str), Some("cf.score"));
            let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
            let names: Vec<&str> = rows.iter().map(|r| &r[2]).collect();
            assert_eq!(rows.len(), 2, "{names:?}");
            assert!(names.contains(&"Ada, Ltd"));
            assert!(names.contains(&"'=HYPERLINK(\"x\")"), "{names:?}");
            let ada = rows.iter().find(|r| &r[2] == "Ada, Ltd").unwrap();
            assert_eq!(&ada[10], "vip");
            assert_eq!(&ada[header.len() - 1], "5");
            let hyper = rows.iter().find(|r| r[2].starts_with('\'')).unwrap();
            assert_eq!(&hyper[4], "+44 20 7946 0000");

            // Filters apply; bad ones are a 422 like the list's.
            let r = app.get("/api/v1/customers/export?tag=vip", &rep).await.expect(StatusCode::OK);
            assert_eq!(csv(&r).lines().count(), 2);
            app.get("/api/v1/customers/export?status=bogus", &rep)
                .await
                .expect(StatusCode::UNPROCESSABLE_ENTITY);

            // The admin's export pages through everything, each customer once.
            let r = app.get("/api/v1/customers/export?sort=name", &app.admin).await.expect(StatusCode::OK);
            let text = csv(&r);
            let mut rdr = csv::Reader::from_reader(text.as_bytes());
            let ids: Vec<String> = rdr.records().map(|r| r.unwrap()[0].to_owned()).collect();
            assert_eq!(ids.len(), 1004);
            assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 1004);
        },
    )
    .await;
}

#[tokio::test]
async fn every_list_exports_as_csv_within_the_callers_reach() {
    on_backends_with(
        |_| {},
        |app| async move {
            let (_, rep) = app.user("rep@test.local", Role::SalesRep, None).await;
            let (_, other) = app.user("other@test.local", Role::SalesRep, None).await;
            let mine = app.customer(&rep, json!({"name": "Mine"})).await;
            let theirs = app.customer(&other, json!({"name": "Theirs"})).await;
            let product = app.product("SKU-1", 1250, "EUR").await;
            for (token, c) in [(&rep, &mine), (&other, &theirs)] {
                app.transaction(
                    token,
                    json!({"customer_id": id_of(c), "currency": "EUR",
                    "items": [{"product_id": id_of(&product), "quantity": 2}]}),
                )
                .await;
                app.post(
                    "/api/v1/deals",
                    token,
                    json!({"title": format!("Deal {}", c["name"]), "customer_id": id_of(c),
                    "value": 5000, "currency": "EUR"}),
                )
                .await
                .expect(StatusCode::CREATED);
                app.post(
                    "/api/v1/activities",
                    token,
                    json!({"kind": "note", "subject": format!("Note {}", c["name"]),
                    "customer_id": id_of(c)}),
                )
                .await
                .expect(StatusCode::CREATED);
            }
            let rows = |r: crate::helpers::Res| -> Vec<std::collections::HashMap<String, String>> {
                assert_eq!(r.header("content-type"), Some("text/csv; charset=utf-8"));
                let text = r.body.as_str().unwrap().to_owned();
                let mut rdr = csv::Reader::from_reader(text.as_bytes());
                let header: Vec<String> =
                    rdr.headers().unwrap().iter().map(str::to_owned).collect();
                rdr.records()
                    .map(|rec| {
                        header
                            .iter()
                            .cloned()
                            .zip(rec.unwrap().iter().map(str::to_owned))
                            .collect()
                    })
                    .collect()
            };
            let p = rows(
                app.get("/api/v1/products/export?q=SKU", &rep)
                    .await
                    .expect(StatusCode::OK),
            );
            assert_eq!(p.len(), 1);
            assert_eq!(
                (
                    p[0]["sku"].as_str(),
                    p[0]["price"].as_str(),
                    p[0]["currency"].as_str()
                ),
                ("SKU-1", "1250", "EUR")
            );
            let t = rows(
                app.get("/api/v1/transactions/export", &rep)
                    .await
                    .expect(StatusCode::OK),
            );
            assert_eq!(t.len(), 1, "only the rep's customer's transaction");
            assert_eq!(t[0]["customer_id"], id_of(&mine));
            assert_eq!(t[0]["total"], "2500");
            let items: Value = serde_json::from_str(&t[0]["items"]).unwrap();
            assert_eq!(items[0]["quantity"], 2);
            let d = rows(
                app.get("/api/v1/deals/export", &rep)
                    .await
                    .expect(StatusCode::OK),
            );
            assert_eq!(
                d.iter().map(|r| r["title"].as_str()).collect::<Vec<_>>(),
                vec!["Deal \"Mine\""]
            );
            let a = rows(
                app.get("/api/v1/activities/export", &rep)
                    .await
                    .expect(StatusCode::OK),
            );
            assert_eq!(a.len(), 1);
            assert_eq!(a[0]["customer_id"], id_of(&mine));
            let all = rows(
                app.get("/api/v1/deals/export", &app.admin)
                    .await
                    .expect(StatusCode::OK),
            );
            assert_eq!(all.len(), 2);
            // A bad filter is refused before any CSV is sent.
            app.get("/api/v1/deals/export?status=bogus", &rep)
                .await
                .expect(StatusCode::UNPROCESSABLE_ENTITY);
        },
    )
    .await;
}

#[tokio::test]
async fn products_import_with_their_events_and_sku_deduplication() {
    on_backends_importing(|app| async move {
        let (_, rep) = app.user("rep@test.local", Role::SalesRep, None).await;
        app.product("OLD-1", 100, "EUR").await;
        let csv = "Item Code,Product Name,Unit Price,Currency,Category,Active\n\
                NEW-1,Widget,1250,EUR,tools,yes\n\
                NEW-2,Gadget,12.50,EUR,tools,\n\
                old-1,Again,500,EUR,,\n\
                NEW-1,Twice,700,EUR,,\n\
                NEW-3,Gizmo,990,USD,toys,no\n";
        upload_as(&app, &rep, csv, "text/csv", "products")
            .await
            .expect(StatusCode::FORBIDDEN);
        let r = upload_as(&app, &app.admin, csv, "text/csv", "products")
            .await
            .expect(StatusCode::CREATED);
        let id = id_of(&r.body);
        assert_eq!(
            r.body["suggested_mapping"],
            json!({"Item Code": "sku", "Product Name": "name", "Unit Price": "price",
                    "Currency": "currency", "Category": "category", "Active": "active"})
        );
        app.post(
            &format!("/api/v1/imports/{id}/start"),
            &app.admin,
            json!({}),
        )
        .await
        .expect(StatusCode::ACCEPTED);
        let done = run_next(&app).await;
        assert_eq!(done.status.as_str(), "completed");
        let p = done.progress;
        assert_eq!(
            (p.rows_accepted, p.rows_rejected, p.rows_duplicate),
            (2, 1, 2)
        );
        let rej = app
            .get(&format!("/api/v1/imports/{id}/rejections"), &app.admin)
            .await
            .expect(StatusCode::OK)
            .body;
        let got: Vec<(i64, bool, String, String)> = rej["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["row"].as_i64().unwrap(),
                    r["duplicate"].as_bool().unwrap(),
                    r["errors"][0]["column"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                    r["errors"][0]["code"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        // NEW-1 was committed with the first batch (three rows a batch here): row 5 finds it taken.
        assert_eq!(
            got,
            vec![
                (3, false, "Unit Price".to_owned(), "invalid_type".to_owned()),
                (4, true, "Item Code".to_owned(), "sku_taken".to_owned()),
                (5, true, "Item Code".to_owned(), "sku_taken".to_owned()),
            ]
        );
        let list = app
            .get("/api/v1/products?q=NEW", &app.admin)
            .await
            .expect(StatusCode::OK)
            .body;
        let mut skus: Vec<(String, i64, bool)> = list["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p["sku"].as_str().unwrap().to_owned(),
                    p["price"].as_i64().unwrap(),
                    p["active"].as_bool().unwrap(),
                )
            })
            .collect();
        skus.sort();
        assert_eq!(
            skus,
            vec![
                ("NEW-1".to_owned(), 1250, true),
                ("NEW-3".to_owned(), 990, false)
            ]
        );
        // Each imported product has its product.created event.
        app.state.store.sequence_events(10_000).await.unwrap();
        let ev = app
            .get("/api/v1/events?limit=500", &app.admin)
            .await
            .expect(StatusCode::OK)
            .body;
        let created = ev["data"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["type"] == "product.created")
            .count();
        assert_eq!(created, 3, "OLD-1 and the two imported");
    })
    .await;
}
