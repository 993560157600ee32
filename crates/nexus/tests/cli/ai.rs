//! `nexus ai train` and `nexus ai serve` as processes: a training run over seeded demo data
//! records every model, and the AI service answers over HTTP with its token.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

fn nexus(data_dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_nexus"));
    c.env("NEXUS_DATA_DIR", data_dir)
        .env_remove("NEXUS_DATABASE_URL")
        .env_remove("NEXUS_DB_KEY")
        .env_remove("NEXUS_DB_KEY_FILE")
        .env_remove("NEXUS_AI_URL")
        .env("NEXUS_LOG_LEVEL", "warn");
    c
}

fn run(c: &mut Command) -> Output {
    let out = c.output().expect("run nexus");
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// One HTTP/1.1 request; returns (status, body).
fn http(addr: &str, method: &str, path: &str, token: Option<&str>, body: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let auth = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    let status = raw[9..12].parse().unwrap();
    let body = raw
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn ai_train_records_every_model_and_ai_serve_answers_with_its_token() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    run(nexus(&data).args(["seed-demo", "--customers", "400", "--seed", "3"]));
    let out = run(nexus(&data).args(["ai", "train"]));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let models: Vec<(&str, &str)> = report["models"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["model"].as_str().unwrap(), m["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        models,
        [
            ("segments", "serving"),
            ("clv", "serving"),
            ("tier", "serving"),
            ("forecast", "serving"),
            ("recommend", "serving"),
            ("win", "serving")
        ],
        "{report}"
    );
    assert!(report["resegmented"].as_u64().unwrap() >= 400, "{report}");

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let _server = Killed(
        nexus(&data)
            .args(["ai", "serve"])
            .env("NEXUS_AI_LISTEN", &addr)
            .env("NEXUS_AI_TOKEN", "cli-token")
            .env("NEXUS_AI_TRAIN_INTERVAL_HOURS", "0")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let started = Instant::now();
    while TcpStream::connect(&addr).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "ai serve did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let (status, health) = http(&addr, "GET", "/health", None, "");
    assert_eq!(status, 200, "{health}");
    let health: serde_json::Value = serde_json::from_str(&health).unwrap();
    assert_eq!(health["models"], 6);
    let (_, doc) = http(&addr, "GET", "/openapi.json", None, "");
    assert!(doc.contains("/v1/classify") && doc.contains("/v1/score"));
    let profile = r#"{"profiles":[["kind=company","email=business"]]}"#;
    assert_eq!(http(&addr, "POST", "/v1/classify", None, profile).0, 401);
    let (status, body) = http(&addr, "POST", "/v1/classify", Some("cli-token"), profile);
    assert_eq!(status, 200, "{body}");
    let answer: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert!(answer["results"][0]["segment"].is_string(), "{answer}");
    let (status, metrics) = http(&addr, "GET", "/metrics", None, "");
    assert_eq!(status, 200);
    assert!(metrics.contains("ai_requests_total"), "{metrics}");
}
