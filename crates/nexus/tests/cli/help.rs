//! Help texts: each command lists the flags that matter to it.

use std::process::Command;

fn help(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_nexus"))
        .args(args)
        .output()
        .expect("run nexus");
    assert!(out.status.success(), "{args:?}: {out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

const CONFIG_FLAGS: [&str; 4] = ["--config", "--listen", "--data-dir", "--database-url"];

#[test]
fn bench_help_leaves_out_the_configuration_flags() {
    let bench = help(&["bench", "--help"]);
    for flag in ["--url", "--email", "--concurrency", "--scenarios"] {
        assert!(bench.contains(flag), "{flag} in\n{bench}");
    }
    for flag in CONFIG_FLAGS {
        assert!(!bench.contains(flag), "{flag} in\n{bench}");
    }
    // Still accepted (and ignored) there, so scripts passing them keep working.
    help(&["bench", "--data-dir", "/nonexistent", "--help"]);
}

#[test]
fn store_commands_keep_the_configuration_flags() {
    for cmd in ["seed-demo", "serve", "migrate"] {
        let text = help(&[cmd, "--help"]);
        for flag in CONFIG_FLAGS {
            assert!(text.contains(flag), "{cmd}: {flag} in\n{text}");
        }
    }
}
