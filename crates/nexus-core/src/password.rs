//! Password hashing (Argon2id for new hashes; bcrypt accepted for migration) and secret tokens.
//! Hashing is CPU-heavy: callers run these functions on the blocking pool.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// OWASP's recommended Argon2id parameters (19 MiB, 2 iterations, 1 lane).
fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password with Argon2id and a random salt (PHC string).
pub fn hash_password(password: &str) -> Result<String, String> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| e.to_string())?;
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// The result of checking a password.
#[derive(Debug, PartialEq, Eq)]
pub enum Verified {
    No,
    Yes,
    /// Correct, but stored with an outdated scheme (bcrypt) or parameters: rehash it.
    YesRehash,
}

/// Checks a password against an Argon2 PHC string or a bcrypt hash (`$2a$`, `$2b$`, `$2y$`).
pub fn verify_password(password: &str, stored: &str) -> Verified {
    if stored.starts_with("$2") {
        return match bcrypt::verify(password, stored) {
            Ok(true) => Verified::YesRehash,
            _ => Verified::No,
        };
    }
    let Ok(parsed) = PasswordHash::new(stored) else {
        return Verified::No;
    };
    if argon2()
        .verify_password(password.as_bytes(), &parsed)
        .is_err()
    {
        return Verified::No;
    }
    let current = parsed.algorithm.as_str() == "argon2id"
        && parsed.params.get_decimal("m") == Some(19 * 1024)
        && parsed.params.get_decimal("t") == Some(2);
    if current {
        Verified::Yes
    } else {
        Verified::YesRehash
    }
}

/// A dummy verification so that unknown accounts take as long as known ones.
pub fn burn_time(password: &str) {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let h = DUMMY.get_or_init(|| hash_password("timing-equaliser-password").unwrap_or_default());
    let _ = verify_password(password, h);
}

/// A random secret of `bytes` bytes, base64url without padding.
pub fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    URL_SAFE_NO_PAD.encode(buf)
}

/// A random password that satisfies the policy, for bootstrap accounts.
pub fn random_password() -> String {
    random_token(18)
}

/// SHA-256 (hex) of a high-entropy secret; such secrets need no slow hash.
pub fn sha256_hex(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argon2_round_trip() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert_eq!(verify_password("correct horse battery", &h), Verified::Yes);
        assert_eq!(verify_password("wrong", &h), Verified::No);
    }

    #[test]
    fn bcrypt_accepted_and_flagged_for_rehash() {
        let h = bcrypt::hash("legacy password", 4).unwrap();
        assert_eq!(verify_password("legacy password", &h), Verified::YesRehash);
        assert_eq!(verify_password("nope", &h), Verified::No);
        assert_eq!(verify_password("x", "garbage"), Verified::No);
    }
}
