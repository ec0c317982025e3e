//! Entry point: parses the command line and wires settings, secrets, telemetry and the app.

use std::io::IsTerminal as _;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use secrecy::ExposeSecret as _;
use shared::settings::Settings;
use shared::storage::{Role, WriteKeyKind};

// glibc's malloc and free were about 30% of the instructions of an ingestion request
// (callgrind, docs/performance.md); mimalloc does the same work in a fraction of them.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    /// Console accounts, on the configured store.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Ingestion write keys, on the configured store.
    WriteKey {
        #[command(subcommand)]
        command: WriteKeyCommand,
    },
    /// Tracked people, on the configured store.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Copy the embedded database to a new file while the server runs (SQLite only; on
    /// MongoDB use the cluster's snapshots, see docs/operations.md).
    Backup {
        #[arg(long)]
        to: std::path::PathBuf,
    },
    /// Put a backup in place as the embedded database of an empty data directory (with the
    /// server stopped).
    Restore {
        #[arg(long)]
        from: std::path::PathBuf,
    },
    /// The demo shop's sample traffic, on the configured store.
    Demo {
        #[command(subcommand)]
        command: DemoCommand,
    },
    /// One-off first-deploy task: create the application's database user from the
    /// cluster's master secret and write its URI secret.
    DbInit(api::db_init::DbInitArgs),
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create an account; the password is read from the first line of stdin. Prints the
    /// new account's id.
    Create {
        #[arg(long)]
        email: String,
        /// admin, analyst or viewer.
        #[arg(long, default_value = "admin", value_parser = Role::parse)]
        role: Role,
        /// Display name (default: the part of the email before @).
        #[arg(long)]
        name: Option<String>,
        /// Do nothing (and print nothing) when an active admin exists already.
        #[arg(long)]
        if_no_admin: bool,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Queue the erasure of a person (the one `--id` belongs to, with every id linked to
    /// them) and print the job's id; the worker (or the server, in embedded mode) runs it.
    Erase {
        /// User id or anonymous id.
        #[arg(long)]
        id: String,
        /// Also drop every later event of their ids at ingestion.
        #[arg(long)]
        suppress: bool,
    },
}

#[derive(Subcommand)]
enum DemoCommand {
    /// Write a month of realistic shop traffic (campaigns, referrers, devices, countries,
    /// purchases) so every report has data. Deterministic: running it again stores nothing
    /// twice. For local and demo installs, not production.
    Seed {
        /// Days of traffic, ending now.
        #[arg(long, default_value_t = 30)]
        days: i64,
        /// People visiting.
        #[arg(long, default_value_t = 300)]
        visitors: usize,
        /// Visits per person, on average.
        #[arg(long, default_value_t = 2)]
        visits: usize,
    },
}

#[derive(Subcommand)]
enum WriteKeyCommand {
    /// Create a write key for a named source and print it (shown only this once).
    Create {
        #[arg(long)]
        source: String,
        /// browser (public pages and apps: links from anonymous ids only) or server
        /// (kept secret: may also alias identified ids).
        #[arg(long, default_value = "browser", value_parser = WriteKeyKind::parse)]
        kind: WriteKeyKind,
    },
}

/// Backups and restores are of the embedded engine; MongoDB has its own (docs/operations.md).
fn embedded_only(settings: &Settings, what: &str) -> anyhow::Result<()> {
    if settings.storage.engine != shared::settings::Engine::Sqlite {
        anyhow::bail!(
            "`api {what}` is for the embedded engine; on MongoDB use the cluster's snapshots \
             (Atlas backups or DocumentDB snapshots, see docs/operations.md)"
        );
    }
    Ok(())
}

/// Settings with secrets resolved, ready before anything connects.
async fn settings() -> anyhow::Result<Settings> {
    let mut settings = Settings::load().context("Failed to load configuration")?;
    shared::secrets::resolve(&mut settings)
        .await
        .context("Failed to load secrets")?;
    Ok(settings)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    shared::secrets::install_tls_provider();
    let cli = Cli::parse();
    match cli.command.unwrap_or(Command::Serve) {
        Command::Openapi => {
            print!("{}", api::routes::openapi_json()?);
            Ok(())
        }
        Command::Serve => {
            let settings = Settings::load().context("Failed to load configuration")?;
            let _telemetry = shared::telemetry::init_tracing(&settings.telemetry)?;
            let mut settings = settings;
            shared::secrets::resolve(&mut settings)
                .await
                .context("Failed to load secrets")?;
            let app = api::App::build(settings).await?;
            app.run_until(api::shutdown_signal()).await
        }
        Command::Admin {
            command:
                AdminCommand::Create {
                    email,
                    role,
                    name,
                    if_no_admin,
                },
        } => {
            let settings = settings().await?;
            if std::io::stdin().is_terminal() {
                eprint!(
                    "Password (min {} characters): ",
                    settings.auth.min_password_chars
                );
            }
            let password = api::cli::read_password(std::io::stdin().lock())?;
            match api::cli::create_admin(
                &settings,
                &email,
                role,
                name.as_deref(),
                &password,
                if_no_admin,
            )
            .await?
            {
                api::cli::AdminCreated::Created(id) => println!("{id}"),
                api::cli::AdminCreated::Skipped => {
                    eprintln!("An active admin exists already; nothing created.");
                }
            }
            Ok(())
        }
        Command::WriteKey {
            command: WriteKeyCommand::Create { source, kind },
        } => {
            let settings = settings().await?;
            let secret = api::cli::create_write_key(&settings, &source, kind).await?;
            println!("{}", secret.expose_secret());
            Ok(())
        }
        Command::User {
            command: UserCommand::Erase { id, suppress },
        } => {
            let settings = settings().await?;
            let job_id = api::cli::erase_user(&settings, &id, suppress).await?;
            println!("{job_id}");
            eprintln!("Erasure queued; the worker (or the server, in embedded mode) runs it.");
            Ok(())
        }
        Command::Backup { to } => {
            let settings = Settings::load().context("Failed to load configuration")?;
            embedded_only(&settings, "backup")?;
            shared::storage::sqlite::backup(&settings.sqlite_path(), &to)?;
            eprintln!("Backed up to {}.", to.display());
            Ok(())
        }
        Command::Restore { from } => {
            let settings = Settings::load().context("Failed to load configuration")?;
            embedded_only(&settings, "restore")?;
            shared::storage::sqlite::restore(&from, &settings.sqlite_path())?;
            eprintln!(
                "Restored {} into {}.",
                from.display(),
                settings.storage.data_dir.display()
            );
            Ok(())
        }
        Command::Demo {
            command:
                DemoCommand::Seed {
                    days,
                    visitors,
                    visits,
                },
        } => {
            let settings = settings().await?;
            let shape = api::demo::Shape {
                days,
                visitors,
                visits,
            };
            let stored = api::demo::seed(&settings, shape).await?;
            eprintln!("Demo traffic: {stored} new events over {days} days.");
            Ok(())
        }
        // Settings only for telemetry: the task has no store yet; its arguments come
        // from the task definition (terraform/modules/db_init).
        Command::DbInit(args) => {
            let settings = Settings::load().context("Failed to load configuration")?;
            let _telemetry = shared::telemetry::init_tracing(&settings.telemetry)?;
            api::db_init::run(&args).await
        }
    }
}
