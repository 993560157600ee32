//! CSV imports with `on_duplicate=update` (rows of known e-mails / SKUs change those records as a
//! PATCH would) and `reject`: what is merged, the version and the event, reach, custom-field
//! checks, rows repeating a key within the file, counts, and a resume after a worker died.

use crate::helpers::{TestApp, id_of};
use crate::imports::{on_backends_importing, run_next, upload_as, worker};
use axum::http::StatusCode;
use nexus_core::auth::Role;
use serde_json::{Value, json};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Uploads `csv` for `entity` and starts it with `on_duplicate` (and the suggested mapping).
async fn start(app: &TestApp, token: &str, entity: &str, csv: &str, on_duplicate: &str) -> String {
    let r = upload_as(app, token, csv, "text/csv", entity)
        .await
        .expect(StatusCode::CREATED);
    let id = id_of(&r.body);
    let r = app
        .post(
            &format!("/api/v1/imports/{id}/start"),
            token,
            json!({"on_duplicate": on_duplicate}),
        )
        .await
        .expect(StatusCode::ACCEPTED);
    assert_eq!(r.body["on_duplicate"], on_duplicate);
    id
}

/// The customer with this e-mail, as the admin reads it.
async fn customer_by_email(app: &TestApp, email: &str) -> Value {
    let list = app
        .get(&format!("/api/v1/customers?q={email}"), &app.admin)
        .await
        .expect(StatusCode::OK)
        .body;
    list["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["email"].as_str().map(str::to_lowercase) == Some(email.to_lowercase()))
        .unwrap_or_else(|| panic!("no customer {email}: {list}"))
        .clone()
}

fn counts(j: &Value) -> [i64; 5] {
    [
        "rows_processed",
        "rows_accepted",
        "rows_updated",
        "rows_rejected",
        "rows_duplicate",
    ]
    .map(|k| j[k].as_i64().unwrap_or(-1))
}

#[tokio::test]
async fn update_merges_the_given_cells_within_the_importers_reach() {
    on_backends_importing(|app| async move {
        let team = app.team("North").await;
        let (rep_id, rep) = app.user("rep@up.test", Role::SalesRep, Some(&team)).await;
        let (_, mate) = app.user("mate@up.test", Role::SalesRep, Some(&team)).await;
        app.post(
            "/api/v1/custom-fields",
            &app.admin,
            json!({"entity": "customer", "key": "tier",
            "label": "Tier", "field_type": "select", "options": ["gold", "silver"]}),
        )
        .await
        .expect(StatusCode::CREATED);
        app.post(
            "/api/v1/custom-fields",
            &app.admin,
            json!({"entity": "customer", "key": "since",
            "label": "Since", "field_type": "date"}),
        )
        .await
        .expect(StatusCode::CREATED);
        let ada = app
            .customer(
                &rep,
                json!({"name": "Ada", "email": "ada@up.test", "phone": "+44 20 7946 0001",
                "tags": ["vip"], "attributes": {"tier": "gold", "since": "2020-01-01"}}),
            )
            .await;
        let mates = app
            .customer(&mate, json!({"name": "Mate's", "email": "mate@up.test"}))
            .await;
        let far = app
            .customer(&app.admin, json!({"name": "Far", "email": "far@up.test"}))
            .await;
        // The rep reads the teammate's customer, not the admin's.
        app.get(&format!("/api/v1/customers/{}", id_of(&mates)), &rep)
            .await
            .expect(StatusCode::OK);
        app.get(&format!("/api/v1/customers/{}", id_of(&far)), &rep)
            .await
            .expect(StatusCode::NOT_FOUND);

        // The worker reads 3 rows a batch: rows 2-4, 5-7, 8.
        let csv = "Name,Email,Phone,Tier,Tags,Status\n\
            Ada Lovelace,ADA@up.test,,silver,,\n\
            Taken Over,mate@up.test,,,,\n\
            Taken Over,far@up.test,,,,\n\
            Ada,ada@up.test,,platinum,,\n\
            New,new@up.test,,gold,,\n\
            Newer,NEW@up.test,,,b2b,\n\
            ,later@up.test,,,,customer\n";
        let id = start(&app, &rep, "customers", csv, "update").await;
        let done = run_next(&app).await;
        assert_eq!(done.status.as_str(), "completed", "{:?}", done.error);
        let j = app
            .get(&format!("/api/v1/imports/{id}"), &rep)
            .await
            .expect(StatusCode::OK)
            .body;
        // 7 rows: 1 created (New, which Newer then updated), 2 updates (Ada, Newer), 4 refused.
        assert_eq!(counts(&j), [7, 1, 2, 4, 0], "{j}");

        // Only the given cells changed; the e-mail keeps its case; other custom fields stay.
        let a = app
            .get(&format!("/api/v1/customers/{}", id_of(&ada)), &rep)
            .await
            .expect(StatusCode::OK)
            .body;
        assert_eq!(a["name"], "Ada Lovelace");
        assert_eq!(a["email"], "ada@up.test");
        assert_eq!(a["phone"], ada["phone"]);
        assert_eq!(a["tags"], json!(["vip"]));
        assert_eq!(
            a["attributes"],
            json!({"tier": "silver", "since": "2020-01-01"})
        );
        assert_eq!(a["owner_id"], rep_id.as_str());
        assert_eq!(a["version"], 2);
        // …with the event a PATCH writes, by the importer.
        let h = app
            .get(&format!("/api/v1/customers/{}/history", id_of(&ada)), &rep)
            .await
            .expect(StatusCode::OK)
            .body;
        let evs = h["data"].as_array().unwrap();
        assert_eq!(evs.len(), 2, "{h}");
        assert_eq!(evs[1]["type"], "customer.updated");
        assert_eq!(evs[1]["actor_id"], rep_id.as_str());
        assert_eq!(
            evs[1]["changes"]["name"],
            json!({"before": "Ada", "after": "Ada Lovelace"})
        );
        assert!(evs[1]["changes"].get("phone").is_none(), "{}", evs[1]);

        // Out of reach: refused alike whether the rep may read the customer or not, and untouched.
        for c in [&mates, &far] {
            let now = app
                .get(&format!("/api/v1/customers/{}", id_of(c)), &app.admin)
                .await
                .expect(StatusCode::OK)
                .body;
            assert_eq!(
                (now["name"].clone(), now["version"].clone()),
                (c["name"].clone(), json!(1))
            );
        }
        let r = app
            .get(&format!("/api/v1/imports/{id}/rejections"), &rep)
            .await
            .expect(StatusCode::OK)
            .body;
        let rows: Vec<(i64, bool)> = r["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| {
                (
                    x["row"].as_i64().unwrap(),
                    x["duplicate"].as_bool().unwrap(),
                )
            })
            .collect();
        assert_eq!(rows, vec![(3, false), (4, false), (5, false), (8, false)]);
        let (mate_err, far_err) = (&r["data"][0]["errors"], &r["data"][1]["errors"]);
        assert_eq!(
            mate_err, far_err,
            "the answer must not tell a visible customer from an invisible one"
        );
        assert_eq!(mate_err[0]["field"], "email");
        assert_eq!(mate_err[0]["column"], "Email");
        assert_eq!(mate_err[0]["code"], "not_permitted");
        assert!(
            !mate_err.to_string().contains(&id_of(&mates))
                && !far_err.to_string().contains(&id_of(&far))
        );
        // A custom-field value is checked as a PATCH checks it, named by field and column.
        assert_eq!(r["data"][2]["errors"][0]["field"], "attributes.tier");
        assert_eq!(r["data"][2]["errors"][0]["column"], "Tier");
        assert_eq!(r["data"][2]["errors"][0]["code"], "invalid_choice");
        // A new e-mail creates, so it needs what a create needs.
        assert_eq!(r["data"][3]["errors"][0]["field"], "name");
        assert_eq!(r["data"][3]["errors"][0]["code"], "required");

        // A row repeating a new e-mail of the file updates the customer the first one created.
        let n = customer_by_email(&app, "new@up.test").await;
        assert_eq!(n["name"], "Newer");
        assert_eq!(n["email"], "new@up.test");
        assert_eq!(n["tags"], json!(["b2b"]));
        assert_eq!(n["attributes"]["tier"], "gold");
        assert_eq!(n["owner_id"], rep_id.as_str());

        // The counts are in the job's events.
        app.state.store.sequence_events(10_000).await.unwrap();
        let ev = app
            .get("/api/v1/events?limit=500", &rep)
            .await
            .expect(StatusCode::OK)
            .body;
        let last = ev["data"]
            .as_array()
            .unwrap()
            .iter()
            .rfind(|e| e["entity"] == "import")
            .unwrap();
        assert_eq!(last["type"], "import.completed");
        assert_eq!(last["changes"]["rows_updated"]["after"], 2);

        // The same file again: every row of a known e-mail in reach is an update (nothing
        // changes, no event is written), nothing is created twice.
        let id = start(&app, &rep, "customers", csv, "update").await;
        run_next(&app).await;
        let j = app
            .get(&format!("/api/v1/imports/{id}"), &rep)
            .await
            .expect(StatusCode::OK)
            .body;
        assert_eq!(counts(&j), [7, 0, 3, 4, 0], "{j}");
        let a = app
            .get(&format!("/api/v1/customers/{}", id_of(&ada)), &rep)
            .await
            .expect(StatusCode::OK)
            .body;
        assert_eq!(a["version"], 2);
        let list = app
            .get("/api/v1/customers?q=new%40up.test", &app.admin)
            .await
            .expect(StatusCode::OK)
            .body;
        assert_eq!(list["data"].as_array().unwrap().len(), 1);

        // A reassignment needs the permission to reassign, as a PATCH does.
        let id = start(
            &app,
            &rep,
            "customers",
            "email,owner_email\nada@up.test,mate@up.test\n",
            "update",
        )
        .await;
        run_next(&app).await;
        let r = app
            .get(&format!("/api/v1/imports/{id}/rejections"), &rep)
            .await
            .expect(StatusCode::OK)
            .body;
        assert_eq!(r["data"][0]["errors"][0]["code"], "not_permitted");
        assert_eq!(r["data"][0]["errors"][0]["column"], "owner_email");

        // Rows that update need only the e-mail mapped; skip mode still needs the name.
        let r = upload_as(
            &app,
            &rep,
            "email,phone\nada@up.test,+44 20 7946 0999\n",
            "text/csv",
            "customers",
        )
        .await
        .expect(StatusCode::CREATED);
        let phone_only = id_of(&r.body);
        app.post(
            &format!("/api/v1/imports/{phone_only}/start"),
            &rep,
            json!({}),
        )
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
        app.post(
            &format!("/api/v1/imports/{phone_only}/start"),
            &rep,
            json!({"on_duplicate": "update"}),
        )
        .await
        .expect(StatusCode::ACCEPTED);
        run_next(&app).await;
        let a = app
            .get(&format!("/api/v1/customers/{}", id_of(&ada)), &rep)
            .await
            .expect(StatusCode::OK)
            .body;
        assert_eq!(a["name"], "Ada Lovelace");
        assert_ne!(a["phone"], ada["phone"]);
        assert!(a["phone"].as_str().unwrap().ends_with("0999"), "{a}");
    })
    .await;
}

#[tokio::test]
async fn products_update_by_sku_and_other_choices() {
    on_backends_importing(|app| async move {
        app.post(
            "/api/v1/custom-fields",
            &app.admin,
            json!({"entity": "product", "key": "weight",
            "label": "Weight", "field_type": "number"}),
        )
        .await
        .expect(StatusCode::CREATED);
        let w = app.product("W-1", 1250, "EUR").await;
        // Rows 2-4 are one batch: g-1 updates the product G-1 creates (still new, version 1).
        let csv = "sku,name,price,currency,weight\n\
            G-1,Gadget,999,EUR,\n\
            g-1,Gadget Pro,,,\n\
            w-1,,1300,,2.5\n\
            W-1,,abc,,\n";
        let id = start(&app, &app.admin, "products", csv, "update").await;
        run_next(&app).await;
        let j = app
            .get(&format!("/api/v1/imports/{id}"), &app.admin)
            .await
            .expect(StatusCode::OK)
            .body;
        assert_eq!(counts(&j), [4, 1, 2, 1, 0], "{j}");
        let p = app
            .get(&format!("/api/v1/products/{}", id_of(&w)), &app.admin)
            .await
            .expect(StatusCode::OK)
            .body;
        assert_eq!(
            (p["sku"].as_str(), p["name"].as_str(), p["price"].as_i64()),
            (Some("W-1"), Some("Product W-1"), Some(1300))
        );
        assert_eq!(p["attributes"]["weight"], 2.5);
        assert_eq!(p["version"], 2);
        let evs = app
            .state
            .store
            .entity_events(uuid::Uuid::parse_str(&id_of(&w)).unwrap(), None, 10)
            .await
            .unwrap();
        let types: Vec<String> = evs
            .iter()
            .map(|e| format!("{}.{}", e.entity, e.action))
            .collect();
        assert_eq!(types, vec!["product.created", "product.updated"]);
        let list = app
            .get("/api/v1/products?q=g-1", &app.admin)
            .await
            .expect(StatusCode::OK)
            .body;
        assert_eq!(list["data"].as_array().unwrap().len(), 1);
        let g = &list["data"][0];
        assert_eq!(
            (
                g["name"].as_str(),
                g["price"].as_i64(),
                g["version"].as_i64()
            ),
            (Some("Gadget Pro"), Some(999), Some(1))
        );
        let r = app
            .get(&format!("/api/v1/imports/{id}/rejections"), &app.admin)
            .await
            .expect(StatusCode::OK)
            .body;
        assert_eq!(r["data"][0]["row"], 5);
        assert_eq!(r["data"][0]["errors"][0]["field"], "price");

        // reject: a taken key is refused and counted as rejected, not skipped; nothing changes.
        let id = start(
            &app,
            &app.admin,
            "products",
            "sku,name,price,currency\nW-1,X,1,EUR\nN-1,Nut,5,EUR\n",
            "reject",
        )
        .await;
        run_next(&app).await;
        let j = app
            .get(&format!("/api/v1/imports/{id}"), &app.admin)
            .await
            .expect(StatusCode::OK)
            .body;
        assert_eq!(counts(&j), [2, 1, 0, 1, 0], "{j}");
        let r = app
            .get(&format!("/api/v1/imports/{id}/rejections"), &app.admin)
            .await
            .expect(StatusCode::OK)
            .body;
        assert_eq!(
            (
                r["data"][0]["duplicate"].as_bool(),
                r["data"][0]["errors"][0]["code"].as_str()
            ),
            (Some(false), Some("sku_taken"))
        );

        // Transactions are not updated by an import; unknown choices are refused.
        let r = upload_as(
            &app,
            &app.admin,
            "order_ref,customer_email,sku\nO-1,a@b.c,W-1\n",
            "text/csv",
            "transactions",
        )
        .await
        .expect(StatusCode::CREATED);
        let t = id_of(&r.body);
        let r = app
            .post(
                &format!("/api/v1/imports/{t}/start"),
                &app.admin,
                json!({"on_duplicate": "update"}),
            )
            .await
            .expect(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(r.body["errors"][0]["field"], "on_duplicate");
        assert_eq!(r.body["errors"][0]["code"], "not_supported");
        let r = app
            .post(
                &format!("/api/v1/imports/{t}/start"),
                &app.admin,
                json!({"on_duplicate": "merge"}),
            )
            .await
            .expect(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(r.body["errors"][0]["code"], "invalid_choice");
    })
    .await;
}

#[tokio::test]
async fn an_interrupted_update_import_resumes_without_applying_a_row_twice() {
    on_backends_importing(|app| async move {
        let mut people = String::from("name,email\n");
        for i in 0..250 {
            people.push_str(&format!("Person {i},p{i}@x.io\n"));
        }
        start(&app, &app.admin, "customers", &people, "skip").await;
        assert_eq!(run_next(&app).await.progress.rows_accepted, 250);

        // Batches of 100: renames of existing people (the e-mail's case aside), 50 new people
        // (p250..p299), then rows repeating e-mails of earlier rows (existing people and the new
        // ones of an earlier batch), so those customers change twice.
        let mut csv = String::from("name,email\n");
        for i in 0..150 {
            csv.push_str(&format!("Renamed {i},P{i}@x.io\n"));
        }
        for i in 200..300 {
            csv.push_str(&format!("Renamed {i},p{i}@x.io\n"));
        }
        for i in 0..50 {
            csv.push_str(&format!("Twice {i},p{i}@x.io\n"));
        }
        for i in 250..300 {
            csv.push_str(&format!("Twice {i},p{i}@x.io\n"));
        }
        let id = start(&app, &app.admin, "customers", &csv, "update").await;
        // Worker A commits one batch of 100 and dies without releasing its lease.
        let a = worker(&app, 100, Duration::from_millis(500));
        let job = a.claim_next().await.unwrap().unwrap();
        let stop = CancellationToken::new();
        let dying = stop.clone();
        let j = a.process(job, &stop, |_| dying.cancel()).await.unwrap();
        assert_eq!(
            (j.progress.rows_processed, j.progress.rows_updated),
            (100, 100)
        );
        tokio::time::sleep(Duration::from_millis(600)).await;
        let b = worker(&app, 100, Duration::from_secs(30));
        let job = b.claim_next().await.unwrap().expect("the orphaned job");
        let j = b
            .process(job, &CancellationToken::new(), |_| {})
            .await
            .unwrap();
        assert_eq!(j.status.as_str(), "completed");
        // 350 rows: 50 new people (p250..p299) created, 300 rows merged into existing records.
        let api = app
            .get(&format!("/api/v1/imports/{id}"), &app.admin)
            .await
            .expect(StatusCode::OK)
            .body;
        assert_eq!(counts(&api), [350, 50, 300, 0, 0], "{api}");

        let all = app
            .all_pages("/api/v1/customers?limit=500", &app.admin)
            .await;
        assert_eq!(all.len(), 300);
        for c in &all {
            let email = c["email"].as_str().unwrap();
            let i: usize = email
                .trim_start_matches('p')
                .trim_end_matches("@x.io")
                .parse()
                .unwrap();
            // Each change applied once: one version per row that changed the customer.
            let (name, version) = match i {
                0..50 => (format!("Twice {i}"), 3),
                50..150 | 200..250 => (format!("Renamed {i}"), 2),
                150..200 => (format!("Person {i}"), 1),
                _ => (format!("Twice {i}"), 2),
            };
            assert_eq!(
                (c["name"].as_str().unwrap(), c["version"].as_i64().unwrap()),
                (name.as_str(), version),
                "{c}"
            );
        }
    })
    .await;
}

#[tokio::test]
async fn a_unique_value_held_elsewhere_refuses_the_row_not_the_job() {
    on_backends_importing(|app| async move {
        app.post(
            "/api/v1/custom-fields",
            &app.admin,
            json!({"entity": "customer", "key": "vat",
            "label": "VAT number", "field_type": "text", "unique": true}),
        )
        .await
        .expect(StatusCode::CREATED);
        app.customer(
            &app.admin,
            json!({"name": "A", "email": "a@u.test", "attributes": {"vat": "V1"}}),
        )
        .await;
        let b = app
            .customer(&app.admin, json!({"name": "B", "email": "b@u.test"}))
            .await;
        // Rows 2-4 are one batch: V1 is A's; V3 goes to the new C of the same batch; row 5 is
        // the next batch.
        let csv = "name,email,vat\nB,b@u.test,V1\nB,b@u.test,V3\nC,c@u.test,V3\nB,b@u.test,V2\n";
        let id = start(&app, &app.admin, "customers", csv, "update").await;
        let done = run_next(&app).await;
        assert_eq!(done.status.as_str(), "completed", "{:?}", done.error);
        let j = app
            .get(&format!("/api/v1/imports/{id}"), &app.admin)
            .await
            .expect(StatusCode::OK)
            .body;
        assert_eq!(counts(&j), [4, 1, 1, 2, 0], "{j}");
        let r = app
            .get(&format!("/api/v1/imports/{id}/rejections"), &app.admin)
            .await
            .expect(StatusCode::OK)
            .body;
        for (n, row) in [(0, 2), (1, 3)] {
            assert_eq!(r["data"][n]["row"], row);
            assert_eq!(r["data"][n]["errors"][0]["field"], "attributes.vat");
            assert_eq!(r["data"][n]["errors"][0]["column"], "vat");
            assert_eq!(r["data"][n]["errors"][0]["code"], "value_taken");
        }
        let b = app
            .get(&format!("/api/v1/customers/{}", id_of(&b)), &app.admin)
            .await
            .expect(StatusCode::OK)
            .body;
        assert_eq!(
            (b["attributes"]["vat"].as_str(), b["version"].as_i64()),
            (Some("V2"), Some(2))
        );
        assert_eq!(
            customer_by_email(&app, "c@u.test").await["attributes"]["vat"],
            "V3"
        );
    })
    .await;
}
