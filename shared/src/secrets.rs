//! Production secrets: read at start-up from AWS Secrets Manager when a setting names a
//! secret id, otherwise taken from the environment/configuration as usual. Values are held
//! as [`SecretString`] and never logged; only secret ids are.

use async_trait::async_trait;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use secrecy::SecretString;

use crate::settings::{SecretsSettings, Settings};

/// Somewhere secrets can be read by id.
#[async_trait]
pub trait SecretSource: Send + Sync {
    async fn get(&self, secret_id: &str) -> anyhow::Result<SecretString>;
}

/// AWS Secrets Manager (or a compatible endpoint).
pub struct AwsSecretsManager {
    client: aws_sdk_secretsmanager::Client,
}

impl AwsSecretsManager {
    /// A client from an SDK configuration (tests pass one with explicit credentials).
    pub fn new(config: &SdkConfig) -> Self {
        Self {
            client: aws_sdk_secretsmanager::Client::new(config),
        }
    }

    /// A client configured by `secrets.region` / `secrets.endpoint_url`, else by the
    /// standard AWS environment (env vars, profile, container or instance role).
    pub async fn from_settings(s: &SecretsSettings) -> Self {
        let mut loader = aws_config::defaults(BehaviorVersion::latest());
        if let Some(region) = &s.region {
            loader = loader.region(Region::new(region.clone()));
        }
        if let Some(url) = &s.endpoint_url {
            loader = loader.endpoint_url(url);
        }
        Self::new(&loader.load().await)
    }
}

#[async_trait]
impl SecretSource for AwsSecretsManager {
    async fn get(&self, secret_id: &str) -> anyhow::Result<SecretString> {
        let out = self
            .client
            .get_secret_value()
            .secret_id(secret_id)
            .send()
            .await
            .map_err(|e| {
                // The error names the secret id and the service's reason, never a value.
                anyhow::anyhow!(
                    "Failed to read secret {secret_id:?} from Secrets Manager: {}",
                    aws_sdk_secretsmanager::error::DisplayErrorContext(&e)
                )
            })?;
        let value = out
            .secret_string()
            .ok_or_else(|| anyhow::anyhow!("secret {secret_id:?} holds no string value"))?;
        Ok(SecretString::from(
            value.trim_end_matches(['\n', '\r']).to_owned(),
        ))
    }
}

/// Replaces every setting whose secret id is configured with the value read from `source`,
/// then re-validates. A no-op without secret ids.
pub async fn apply(settings: &mut Settings, source: &dyn SecretSource) -> anyhow::Result<()> {
    let ids = settings.secrets.clone();
    if let Some(id) = &ids.mongodb_uri_secret_id {
        settings.storage.mongodb_uri = Some(source.get(id).await?);
        tracing::info!(setting = "storage.mongodb_uri", secret_id = %id, "Loaded a secret.");
    }
    if let Some(id) = &ids.session_key_secret_id {
        settings.auth.session_key = Some(source.get(id).await?);
        tracing::info!(setting = "auth.session_key", secret_id = %id, "Loaded a secret.");
    }
    settings.validate_secrets()?;
    Ok(())
}

/// Start-up step: loads the configured secrets from AWS Secrets Manager, if any.
pub async fn resolve(settings: &mut Settings) -> anyhow::Result<()> {
    if !settings.secrets.any() {
        return Ok(());
    }
    let source = AwsSecretsManager::from_settings(&settings.secrets).await;
    apply(settings, &source).await
}

/// Picks rustls' crypto provider once per process. The MongoDB driver brings `ring` and the
/// AWS SDK `aws-lc-rs`; with both linked rustls refuses to choose, so we do, before any TLS
/// configuration is built. Safe to call more than once.
pub fn install_tls_provider() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use secrecy::ExposeSecret as _;

    use super::*;

    /// In-memory stand-in for Secrets Manager (the real server is used by the api tests).
    struct FakeSecrets(HashMap<&'static str, &'static str>);

    #[async_trait]
    impl SecretSource for FakeSecrets {
        async fn get(&self, id: &str) -> anyhow::Result<SecretString> {
            self.0
                .get(id)
                .map(|v| SecretString::from((*v).to_owned()))
                .ok_or_else(|| anyhow::anyhow!("no secret {id:?}"))
        }
    }

    #[tokio::test]
    async fn configured_secret_ids_replace_settings() {
        let mut s = Settings::load_from(
            None,
            [
                ("APP__STORAGE__ENGINE", "mongodb"),
                ("APP__SECRETS__MONGODB_URI_SECRET_ID", "db"),
                ("APP__SECRETS__SESSION_KEY_SECRET_ID", "key"),
            ]
            .map(|(k, v)| (k.to_owned(), v.to_owned())),
        )
        .expect("valid");
        let fake = FakeSecrets(HashMap::from([
            ("db", "mongodb://u:p@db:27017"),
            ("key", "0123456789abcdef0123456789abcdef!"),
        ]));
        apply(&mut s, &fake).await.expect("applied");
        assert_eq!(
            s.storage.mongodb_uri.as_ref().map(|u| u.expose_secret()),
            Some("mongodb://u:p@db:27017")
        );
        assert!(s.auth.session_key.is_some());
        let short = FakeSecrets(HashMap::from([("db", "x"), ("key", "short")]));
        assert!(
            apply(&mut s, &short).await.is_err(),
            "too short a session key"
        );
    }
}
