//! Entry point: parses the command line and wires settings, telemetry and the app.

use anyhow::Context as _;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "api", version, about = "Shoptrail API server")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve HTTP (the default).
    Serve,
    /// Print the OpenAPI document (JSON) and exit.
    Openapi,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command.unwrap_or(Command::Serve) {
        Command::Openapi => {
            print!("{}", api::routes::openapi_json()?);
            Ok(())
        }
        Command::Serve => {
            let settings =
                shared::settings::Settings::load().context("Failed to load configuration")?;
            let _telemetry = shared::telemetry::init_tracing(&settings.telemetry)?;
            let app = api::App::build(settings).await?;
            app.run_until(api::shutdown_signal()).await
        }
    }
}
