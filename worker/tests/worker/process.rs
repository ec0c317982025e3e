//! The real `worker` binary as a child process.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// A worker process; killed (SIGKILL) when dropped.
pub struct WorkerProcess {
    pub child: Child,
    pub port: u16,
}

impl WorkerProcess {
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// SIGKILL: no shutdown, no last heartbeat.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM and wait for a clean exit.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        self.child.wait().expect("worker exits")
    }
}

impl Drop for WorkerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

pub fn start(dir: &Path, env: &[(&str, String)]) -> WorkerProcess {
    spawn(dir, env, Stdio::null)
}

/// Like [`start`], with everything the worker logs (JSON lines) written to `log`.
pub fn start_logged(dir: &Path, env: &[(&str, String)], log: &Path) -> WorkerProcess {
    let file = std::fs::File::create(log).expect("log file");
    spawn(dir, env, || {
        Stdio::from(file.try_clone().expect("log file handle"))
    })
}

fn spawn(dir: &Path, env: &[(&str, String)], output: impl Fn() -> Stdio) -> WorkerProcess {
    let port = free_port();
    let mut c = Command::new(env!("CARGO_BIN_EXE_worker"));
    c.env("APP__STORAGE__DATA_DIR", dir)
        .env("APP__WORKER__LISTEN_ADDR", format!("127.0.0.1:{port}"))
        .env("APP__WORKER__POLL_INTERVAL_MS", "100")
        .env("APP__EXPORT__SCHEDULE_ENABLED", "false")
        .env("APP__TELEMETRY__LOG_FORMAT", "json")
        .stdout(output())
        .stderr(output());
    for (k, v) in env {
        c.env(k, v);
    }
    WorkerProcess {
        child: c.spawn().expect("worker starts"),
        port,
    }
}

pub async fn wait_ready(w: &WorkerProcess) {
    let client = reqwest::Client::new();
    for _ in 0..600 {
        if client
            .get(w.url("/readyz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("worker did not become ready");
}
