//! Argon2id password hashing, off the async runtime (each hash takes tens of milliseconds
//! by design).

use std::sync::LazyLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand::RngCore as _;
use secrecy::{ExposeSecret as _, SecretString};

/// A hash of a random password nobody knows. Failed look-ups verify against it so that an
/// unknown email costs as much time as a wrong password.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hash_blocking(&hex::encode(bytes)).unwrap_or_default()
});

fn hash_blocking(password: &str) -> anyhow::Result<String> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| anyhow::anyhow!("salt: {e}"))?;
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))?
        .to_string())
}

fn verify_blocking(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// Argon2id PHC string of `password` with a fresh salt.
pub async fn hash(password: &SecretString) -> anyhow::Result<String> {
    let password = password.clone();
    tokio::task::spawn_blocking(move || hash_blocking(password.expose_secret())).await?
}

/// Checks `password` against `hash`, or against a dummy hash when there is no account
/// (`None`), so both cases take the same time and answer false.
pub async fn verify(password: &SecretString, hash: Option<String>) -> bool {
    let password = password.clone();
    tokio::task::spawn_blocking(move || match hash {
        Some(h) => verify_blocking(password.expose_secret(), &h),
        None => {
            verify_blocking(password.expose_secret(), &DUMMY_HASH);
            false
        }
    })
    .await
    .unwrap_or(false)
}

/// Computes the dummy hash ahead of the first failed sign-in.
pub fn warm_up() {
    tokio::task::spawn_blocking(|| LazyLock::force(&DUMMY_HASH));
}

/// The least zxcvbn score a password needs (3: about 10^8 guesses, "safely unguessable"
/// against online attacks and well protected behind Argon2id).
const MIN_SCORE: zxcvbn::Score = zxcvbn::Score::Three;

/// Refuses passwords shorter than `min_chars` (characters, not bytes), and passwords a
/// strength estimator (zxcvbn: common passwords, dictionary words, keyboard patterns,
/// repeats, and the member's own email and name in `user_inputs`) finds easy to guess.
pub fn check_strength(
    password: &SecretString,
    min_chars: usize,
    user_inputs: &[&str],
) -> Result<(), String> {
    let secret = password.expose_secret();
    if secret.chars().count() < min_chars {
        return Err(format!("password must be at least {min_chars} characters"));
    }
    if secret.trim().is_empty() {
        return Err("password must not be blank".to_owned());
    }
    let estimate = zxcvbn::zxcvbn(secret, user_inputs);
    if estimate.score() < MIN_SCORE {
        let hint = estimate
            .feedback()
            .and_then(|f| f.warning())
            .map(|w| format!(" ({w})"))
            .unwrap_or_default();
        return Err(format!(
            "password is too easy to guess{hint}; a few unrelated words make a strong one"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_only_their_password() {
        let pw = SecretString::from("correct horse battery".to_owned());
        let h = hash(&pw).await.expect("hash");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify(&pw, Some(h.clone())).await);
        assert!(!verify(&SecretString::from("wrong".to_owned()), Some(h)).await);
        assert!(!verify(&pw, None).await);
        assert!(!verify(&pw, Some("not a hash".into())).await);
    }

    #[test]
    fn short_passwords_are_refused() {
        let check =
            |p: &str| check_strength(&SecretString::from(p.to_owned()), 12, &["ada@shop.test"]);
        assert!(check("short").is_err());
        assert!(check("            ").is_err());
        assert!(check("aaaaaaaaaaaa").is_err(), "repeats");
        assert!(check("password1234").is_err(), "common password");
        assert!(check("qwertyuiop12").is_err(), "keyboard pattern");
        assert!(check("ada@shop.test").is_err(), "the member's own email");
        assert!(check("a different long passphrase").is_ok());
        assert!(check("correct horse battery staple").is_ok());
    }
}
