//! The real `api` binary as a child process: its CLI, and servers that can be killed,
//! restarted, run side by side, and whose logs can be read.

use std::io::Write as _;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

fn command(dir: &Path, env: &[(&str, &str)]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_api"));
    c.env("APP__STORAGE__DATA_DIR", dir)
        .env("APP__TELEMETRY__LOG_FORMAT", "json");
    for (k, v) in env {
        c.env(k, v);
    }
    c
}

/// Runs a CLI command with `stdin`; returns (stdout, stderr), panicking on failure.
pub fn cli(dir: &Path, args: &[&str], stdin: &str, env: &[(&str, &str)]) -> (String, String) {
    let mut child = command(dir, env)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cli starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("stdin written");
    let out = child.wait_with_output().expect("cli ran");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    assert!(out.status.success(), "api {args:?} failed: {stderr}");
    (stdout, stderr)
}

/// Starts `api serve` on `port`; its output (logs go to stdout) is captured when
/// `capture_logs`.
pub fn start(dir: &Path, port: u16, env: &[(&str, &str)], capture_logs: bool) -> Child {
    let output = || {
        if capture_logs {
            Stdio::piped()
        } else {
            Stdio::null()
        }
    };
    command(dir, env)
        .env("APP__SERVER__PORT", port.to_string())
        .stdout(output())
        .stderr(output())
        .spawn()
        .expect("server starts")
}

pub async fn wait_ready(client: &reqwest::Client, base: &str) {
    for _ in 0..300 {
        if client
            .get(format!("{base}/readyz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("server did not become ready");
}

/// Sends SIGTERM-like stop (kill) and returns everything the server logged.
pub fn stop_and_read_logs(mut child: Child) -> String {
    let _ = child.kill();
    let out = child.wait_with_output().expect("server output");
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}
