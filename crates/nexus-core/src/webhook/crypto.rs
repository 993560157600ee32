//! Webhook secrets: the `whsec_` signing secret of the Standard Webhooks specification, the
//! signature of a delivery, and the sealing of secrets at rest (AES-256-GCM under a key derived
//! with HKDF-SHA256 from the server's token-signing secret).

use crate::error::{CoreError, CoreResult};
use aes_gcm::aead::{Aead, Payload};
use aes_gcm::{Aes256Gcm, KeyInit, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::fmt;
use std::sync::Arc;
use uuid::Uuid;

const PREFIX: &str = "whsec_";

/// A signing secret, `whsec_` + base64 of 24 to 64 random bytes. Its `Debug` hides it.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret(String);

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSecret([redacted])")
    }
}

impl WebhookSecret {
    /// A new random secret (24 bytes, as the reference implementations make them).
    pub fn generate() -> Self {
        let bytes: [u8; 24] = rand::random();
        Self(format!("{PREFIX}{}", STANDARD.encode(bytes)))
    }

    pub fn parse(s: &str) -> Result<Self, &'static str> {
        let Some(b64) = s.strip_prefix(PREFIX) else {
            return Err("must start with whsec_");
        };
        match STANDARD.decode(b64) {
            Ok(k) if (24..=64).contains(&k.len()) => Ok(Self(s.to_owned())),
            Ok(_) => Err("must hold 24 to 64 bytes (base64 after whsec_)"),
            Err(_) => Err("must be base64 after whsec_"),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn key(&self) -> Vec<u8> {
        STANDARD
            .decode(self.0.strip_prefix(PREFIX).unwrap_or_default())
            .unwrap_or_default()
    }

    /// The `webhook-signature` header: `v1,` + base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}")).
    pub fn sign(&self, msg_id: &str, timestamp: i64, body: &[u8]) -> String {
        let mut mac = match <Hmac<Sha256> as Mac>::new_from_slice(&self.key()) {
            Ok(m) => m,
            // HMAC takes keys of any length.
            Err(_) => return String::new(),
        };
        mac.update(msg_id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
    }
}

/// Seals and opens webhook secrets at rest. The ciphertext is bound to the webhook's id (as
/// associated data), so a sealed secret copied to another row does not open.
#[derive(Clone)]
pub struct SecretBox {
    cipher: Arc<Aes256Gcm>,
}

impl fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretBox([key])")
    }
}

const VERSION: &str = "v1:";

impl SecretBox {
    /// Derives the sealing key from the server's master secret (the token-signing secret).
    pub fn derive(master: &[u8]) -> Self {
        let hk = hkdf::Hkdf::<Sha256>::new(Some(b"nexus/webhook-secrets"), master);
        let mut key = [0u8; 32];
        // Expanding to 32 bytes cannot fail (the limit is 255 × 32).
        let _ = hk.expand(b"aes-256-gcm v1", &mut key);
        Self {
            cipher: Arc::new(Aes256Gcm::new(&key.into())),
        }
    }

    pub fn seal(&self, owner: Uuid, secret: &WebhookSecret) -> CoreResult<String> {
        let nonce: [u8; 12] = rand::random();
        let ct = self
            .cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: secret.as_str().as_bytes(),
                    aad: owner.as_bytes(),
                },
            )
            .map_err(|_| CoreError::Internal("sealing a webhook secret failed".into()))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ct);
        Ok(format!("{VERSION}{}", STANDARD.encode(out)))
    }

    pub fn open(&self, owner: Uuid, sealed: &str) -> CoreResult<WebhookSecret> {
        let bad = || {
            CoreError::Internal(
                "a webhook secret cannot be opened (was the server's jwt_secret changed? rotate the webhook's secret)"
                    .into(),
            )
        };
        let raw = sealed
            .strip_prefix(VERSION)
            .and_then(|b| STANDARD.decode(b).ok())
            .filter(|r| r.len() > 12)
            .ok_or_else(bad)?;
        let (nonce, ct) = raw.split_at(12);
        let pt = self
            .cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: ct,
                    aad: owner.as_bytes(),
                },
            )
            .map_err(|_| bad())?;
        String::from_utf8(pt)
            .ok()
            .and_then(|s| WebhookSecret::parse(&s).ok())
            .ok_or_else(bad)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_the_specification_example() {
        // The example of the Standard Webhooks specification.
        let s = WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let body = br#"{"test": 2432232314}"#;
        assert_eq!(
            s.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn secrets_are_generated_parsed_and_sealed() {
        let s = WebhookSecret::generate();
        assert!(s.as_str().starts_with("whsec_"));
        assert_eq!(WebhookSecret::parse(s.as_str()).unwrap(), s);
        assert!(WebhookSecret::parse("nope").is_err());
        assert!(WebhookSecret::parse("whsec_c2hvcnQ=").is_err());
        assert!(!format!("{s:?}").contains(s.as_str()));

        let b = SecretBox::derive(b"a server secret of some length...");
        let id = Uuid::now_v7();
        let sealed = b.seal(id, &s).unwrap();
        assert!(!sealed.contains(s.as_str()));
        assert_eq!(b.open(id, &sealed).unwrap(), s);
        assert!(b.open(Uuid::now_v7(), &sealed).is_err(), "bound to its row");
        assert!(
            SecretBox::derive(b"another server secret.............")
                .open(id, &sealed)
                .is_err()
        );
        assert_ne!(b.seal(id, &s).unwrap(), sealed, "fresh nonce each time");
    }
}
