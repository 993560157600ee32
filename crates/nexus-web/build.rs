//! Builds the web UI (`web/`, Vite) so that `cargo build` alone produces a binary that serves it.
//!
//! - `npm ci` when `web/node_modules` is missing, then `npm run build` (type check + Vite) when a
//!   web source is newer than `web/dist/index.html`.
//! - `NEXUS_WEB_SKIP_BUILD=1` embeds an existing `web/dist` as it is (CI jobs that built it
//!   already); without a `dist` it is an error.
//! - Without npm, an existing `dist` is embedded with a warning; without either, the build fails
//!   with a message saying what to install.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

/// Inputs of the web build; a change to any of them re-runs this script.
const INPUTS: &[&str] = &[
    "src",
    "index.html",
    "package.json",
    "package-lock.json",
    "vite.config.ts",
    "tailwind.config.js",
    "postcss.config.js",
    "openapi-config.cjs",
    "scripts",
    "tsconfig.json",
    "public",
];

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let web = manifest.join("../../web");
    let dist_index = web.join("dist/index.html");
    println!("cargo:rerun-if-env-changed=NEXUS_WEB_SKIP_BUILD");
    for input in INPUTS {
        println!("cargo:rerun-if-changed={}", web.join(input).display());
    }
    // The generated client is compiled from the committed OpenAPI document.
    println!(
        "cargo:rerun-if-changed={}",
        manifest.join("../../openapi.json").display()
    );

    if std::env::var("NEXUS_WEB_SKIP_BUILD").is_ok_and(|v| v == "1") {
        if !dist_index.exists() {
            fail(
                "NEXUS_WEB_SKIP_BUILD=1 but web/dist/index.html does not exist: run `npm run build` in web/ first",
            );
        }
        return;
    }
    if dist_index.exists() && newest(&web, INPUTS) <= mtime(&dist_index) {
        return; // dist is up to date (built by another target dir, or by hand)
    }
    if Command::new("npm").arg("--version").output().is_err() {
        if dist_index.exists() {
            println!(
                "cargo:warning=npm not found: embedding the existing web/dist, which may be stale"
            );
            return;
        }
        fail(
            "npm (Node.js 20+) is needed to build the web UI in web/; install it, or build web/dist elsewhere and set NEXUS_WEB_SKIP_BUILD=1",
        );
    }
    if !web.join("node_modules").exists() {
        run(&web, &["ci", "--no-audit", "--no-fund"]);
    }
    run(&web, &["run", "build"]);
}

fn run(dir: &Path, args: &[&str]) {
    let status = Command::new("npm").args(args).current_dir(dir).status();
    match status {
        Ok(s) if s.success() => {}
        Ok(s) => fail(&format!("`npm {}` in web/ failed ({s})", args.join(" "))),
        Err(e) => fail(&format!("could not run `npm {}`: {e}", args.join(" "))),
    }
}

fn fail(msg: &str) -> ! {
    eprintln!("nexus-web: {msg}");
    std::process::exit(1);
}

fn mtime(p: &Path) -> SystemTime {
    std::fs::metadata(p)
        .and_then(|m| m.modified())
        .unwrap_or(SystemTime::UNIX_EPOCH)
}

/// The newest modification time among the inputs (walking directories).
fn newest(web: &Path, inputs: &[&str]) -> SystemTime {
    let mut stack: Vec<PathBuf> = inputs.iter().map(|i| web.join(i)).collect();
    stack.push(web.join("../openapi.json"));
    let mut newest = SystemTime::UNIX_EPOCH;
    while let Some(p) = stack.pop() {
        let Ok(meta) = std::fs::metadata(&p) else {
            continue;
        };
        if meta.is_dir() {
            if let Ok(rd) = std::fs::read_dir(&p) {
                stack.extend(rd.flatten().map(|e| e.path()));
            }
        } else if let Ok(m) = meta.modified() {
            newest = newest.max(m);
        }
    }
    newest
}
