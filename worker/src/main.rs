//! Entry point: parses the command line and wires settings, secrets and telemetry, then
//! runs the worker (or a one-off export).

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use shared::settings::Settings;

#[derive(Parser)]
#[command(
    name = "worker",
    version,
    about = "Shoptrail worker: daily export, imports"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run queued jobs and the export schedule (the default).
    Run,
    /// Export one UTC day now, through the job queue, and print the ended job as JSON.
    Export {
        /// The day, YYYY-MM-DD.
        #[arg(long)]
        date: chrono::NaiveDate,
    },
    /// Store synthetic events for one day (benchmarks only).
    #[command(hide = true)]
    BenchSeed {
        #[arg(long)]
        date: chrono::NaiveDate,
        #[arg(long)]
        events: usize,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    shared::secrets::install_tls_provider();
    let cli = Cli::parse();
    let mut settings = Settings::load().context("Failed to load configuration")?;
    let _telemetry = shared::telemetry::init_tracing(&settings.telemetry)?;
    shared::secrets::resolve(&mut settings)
        .await
        .context("Failed to load secrets")?;
    match cli.command.unwrap_or(Command::Run) {
        Command::Run => {
            let worker = worker::Worker::build(settings).await?;
            worker.run_until(worker::shutdown_signal()).await
        }
        Command::Export { date } => {
            let started = std::time::Instant::now();
            let job = worker::export_once(settings, date).await?;
            let mut out = serde_json::to_value(&job)?;
            out["elapsed_s"] = started.elapsed().as_secs_f64().into();
            out["peak_rss_kib"] = worker::peak_rss_kib().into();
            println!("{out}");
            anyhow::ensure!(
                job.status == shared::storage::JobStatus::Succeeded,
                "the export did not succeed"
            );
            Ok(())
        }
        Command::BenchSeed { date, events } => worker::seed(settings, date, events).await,
    }
}
