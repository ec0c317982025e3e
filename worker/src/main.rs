//! Entry point: wires settings, secrets and telemetry, then runs the worker.

use anyhow::Context as _;
use clap::Parser;
use shared::settings::Settings;

#[derive(Parser)]
#[command(
    name = "worker",
    version,
    about = "Shoptrail worker: daily export, imports"
)]
struct Cli {}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    shared::secrets::install_tls_provider();
    let _ = Cli::parse();
    let mut settings = Settings::load().context("Failed to load configuration")?;
    let _telemetry = shared::telemetry::init_tracing(&settings.telemetry)?;
    shared::secrets::resolve(&mut settings)
        .await
        .context("Failed to load secrets")?;
    let worker = worker::Worker::build(settings).await?;
    worker.run_until(worker::shutdown_signal()).await
}
