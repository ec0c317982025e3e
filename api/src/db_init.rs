//! `api db-init`: the one-off ECS task of an environment's first deploy. It reads the
//! cluster's managed master secret, creates (or resets) the application's database user
//! with `readWrite` on the application database only, and writes that user's URI into the
//! secret the api and worker read. Nobody needs network access to the database for it.

use anyhow::Context as _;
use aws_config::BehaviorVersion;
use mongodb::bson::{Document, doc};
use mongodb::options::{ClientOptions, Credential};
use rand::Rng as _;
use rand::distr::Alphanumeric;
use secrecy::{ExposeSecret as _, SecretString};
use serde::Deserialize;
use tracing::info;

/// MongoDB's (and DocumentDB's) error code for `createUser` of an existing user.
const USER_ALREADY_EXISTS: i32 = 51003;
const PASSWORD_CHARS: usize = 40;

/// Where db-init finds the cluster and the secrets; the task definition sets these.
#[derive(Debug, clap::Args)]
pub struct DbInitArgs {
    /// Secret holding the cluster's master credentials as `{"username", "password"}`
    /// (the secret DocumentDB manages).
    #[arg(long, env = "DB_INIT_MASTER_SECRET_ID")]
    pub master_secret_id: String,
    /// Secret the application's MongoDB URI is written to.
    #[arg(long, env = "DB_INIT_URI_SECRET_ID")]
    pub uri_secret_id: String,
    /// Writer endpoint of the cluster.
    #[arg(long, env = "DB_INIT_HOST")]
    pub host: String,
    #[arg(long, env = "DB_INIT_PORT", default_value_t = 27017)]
    pub port: u16,
    /// The only database the application user may read and write.
    #[arg(long, env = "DB_INIT_DATABASE", default_value = "shoptrail")]
    pub database: String,
    #[arg(long, env = "DB_INIT_APP_USER", default_value = "shoptrail_app")]
    pub app_user: String,
    /// Connection options of both URIs (DocumentDB: TLS with the RDS bundle, rs0, no
    /// retryable writes).
    #[arg(
        long,
        env = "DB_INIT_URI_OPTIONS",
        default_value = "tls=true&tlsCAFile=/etc/ssl/certs/rds-global-bundle.pem&replicaSet=rs0&readPreference=secondaryPreferred&retryWrites=false"
    )]
    pub uri_options: String,
    /// Reset the user's password and rewrite the URI even when the secret has a value
    /// (restart the services afterwards).
    #[arg(long, env = "DB_INIT_ROTATE")]
    pub rotate: bool,
}

#[derive(Deserialize)]
struct MasterCredentials {
    username: String,
    password: SecretString,
}

/// Runs db-init against the configured AWS account (task role credentials).
pub async fn run(args: &DbInitArgs) -> anyhow::Result<()> {
    validate_user_name(&args.app_user)?;
    let aws = aws_config::defaults(BehaviorVersion::latest()).load().await;
    let secrets = aws_sdk_secretsmanager::Client::new(&aws);

    if !args.rotate && has_value(&secrets, &args.uri_secret_id).await? {
        info!(secret = %args.uri_secret_id, "The URI secret has a value already; nothing to do.");
        return Ok(());
    }

    let master = secrets
        .get_secret_value()
        .secret_id(&args.master_secret_id)
        .send()
        .await
        .map_err(|e| anyhow::anyhow!("Failed to read the master secret: {}", display(&e)))?;
    let master: MasterCredentials = serde_json::from_str(master.secret_string().unwrap_or(""))
        .context("Failed to parse the master secret as {\"username\", \"password\"}")?;

    let mut options = ClientOptions::parse(format!(
        "mongodb://{}:{}/?{}",
        args.host, args.port, args.uri_options
    ))
    .await
    .context("Failed to parse the cluster address")?;
    options.credential = Some(
        Credential::builder()
            .username(master.username)
            .password(master.password.expose_secret().to_owned())
            .build(),
    );
    let client = mongodb::Client::with_options(options).context("Failed to build the client")?;
    // DocumentDB keeps every user in `admin`; the role names the application database.
    let admin = client.database("admin");

    let password = generate_password();
    match admin
        .run_command(create_user_command(
            &args.app_user,
            &password,
            &args.database,
        ))
        .await
    {
        Ok(_) => info!(user = %args.app_user, "Created the application user."),
        Err(e) if command_code(&e) == Some(USER_ALREADY_EXISTS) => {
            admin
                .run_command(update_user_command(
                    &args.app_user,
                    &password,
                    &args.database,
                ))
                .await
                .context("Failed to reset the application user")?;
            info!(user = %args.app_user, "Reset the existing application user.");
        }
        Err(e) => return Err(e).context("Failed to create the application user"),
    }

    let uri = app_uri(args, &password);
    secrets
        .put_secret_value()
        .secret_id(&args.uri_secret_id)
        .secret_string(uri.expose_secret())
        .send()
        .await
        .map_err(|e| anyhow::anyhow!("Failed to write the URI secret: {}", display(&e)))?;
    info!(secret = %args.uri_secret_id, "Wrote the application's MongoDB URI.");
    Ok(())
}

async fn has_value(
    secrets: &aws_sdk_secretsmanager::Client,
    secret_id: &str,
) -> anyhow::Result<bool> {
    match secrets.get_secret_value().secret_id(secret_id).send().await {
        Ok(out) => Ok(out.secret_string().is_some_and(|s| !s.is_empty())),
        // A secret created without a value has no AWSCURRENT version yet.
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_not_found_exception()) =>
        {
            Ok(false)
        }
        Err(e) => Err(anyhow::anyhow!(
            "Failed to read the URI secret: {}",
            display(&e)
        )),
    }
}

fn display<E: std::error::Error>(e: &E) -> String {
    aws_sdk_secretsmanager::error::DisplayErrorContext(e).to_string()
}

fn command_code(e: &mongodb::error::Error) -> Option<i32> {
    match e.kind.as_ref() {
        mongodb::error::ErrorKind::Command(c) => Some(c.code),
        _ => None,
    }
}

/// The user name goes into a URI unescaped: keep it to characters that need no escaping.
fn validate_user_name(name: &str) -> anyhow::Result<()> {
    anyhow::ensure!(
        !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'),
        "The application user name may only hold letters, digits, '_' and '-'"
    );
    Ok(())
}

/// Alphanumeric only, so the password needs no escaping in the URI.
fn generate_password() -> SecretString {
    let password: String = rand::rng()
        .sample_iter(&Alphanumeric)
        .take(PASSWORD_CHARS)
        .map(char::from)
        .collect();
    SecretString::from(password)
}

fn least_privilege_roles(database: &str) -> Vec<Document> {
    vec![doc! { "role": "readWrite", "db": database }]
}

fn create_user_command(user: &str, password: &SecretString, database: &str) -> Document {
    doc! {
        "createUser": user,
        "pwd": password.expose_secret(),
        "roles": least_privilege_roles(database),
    }
}

fn update_user_command(user: &str, password: &SecretString, database: &str) -> Document {
    doc! {
        "updateUser": user,
        "pwd": password.expose_secret(),
        "roles": least_privilege_roles(database),
    }
}

/// The URI the api and worker connect with: the application user, authenticated against
/// `admin` (where DocumentDB keeps users), with the cluster's connection options.
fn app_uri(args: &DbInitArgs, password: &SecretString) -> SecretString {
    SecretString::from(format!(
        "mongodb://{}:{}@{}:{}/?authSource=admin&{}",
        args.app_user,
        password.expose_secret(),
        args.host,
        args.port,
        args.uri_options
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args() -> DbInitArgs {
        DbInitArgs {
            master_secret_id: "master".into(),
            uri_secret_id: "shoptrail/dev/mongodb-uri".into(),
            host: "shoptrail-dev.cluster-abc.eu-west-1.docdb.amazonaws.com".into(),
            port: 27017,
            database: "shoptrail".into(),
            app_user: "shoptrail_app".into(),
            uri_options: "tls=true&replicaSet=rs0&retryWrites=false".into(),
            rotate: false,
        }
    }

    #[test]
    fn the_application_user_may_only_read_and_write_its_database() {
        let password = SecretString::from("pw".to_owned());
        let command = create_user_command("shoptrail_app", &password, "shoptrail");
        assert_eq!(command.get_str("createUser").ok(), Some("shoptrail_app"));
        let roles = command.get_array("roles").expect("roles");
        assert_eq!(roles.len(), 1);
        assert_eq!(
            roles[0].as_document(),
            Some(&doc! { "role": "readWrite", "db": "shoptrail" })
        );
        let update = update_user_command("shoptrail_app", &password, "shoptrail");
        assert_eq!(update.get_array("roles").ok(), Some(roles));
    }

    #[test]
    fn the_uri_names_the_application_user_and_keeps_the_cluster_options() {
        let uri = app_uri(&args(), &SecretString::from("Secret123".to_owned()));
        assert_eq!(
            uri.expose_secret(),
            "mongodb://shoptrail_app:Secret123@shoptrail-dev.cluster-abc.eu-west-1.docdb.amazonaws.com:27017/?authSource=admin&tls=true&replicaSet=rs0&retryWrites=false"
        );
    }

    #[test]
    fn generated_passwords_need_no_escaping_and_differ() {
        let (a, b) = (generate_password(), generate_password());
        assert_eq!(a.expose_secret().len(), PASSWORD_CHARS);
        assert!(a.expose_secret().chars().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(a.expose_secret(), b.expose_secret());
    }

    #[test]
    fn user_names_that_would_need_escaping_are_refused() {
        assert!(validate_user_name("shoptrail_app").is_ok());
        assert!(validate_user_name("a@b").is_err());
        assert!(validate_user_name("").is_err());
    }
}
