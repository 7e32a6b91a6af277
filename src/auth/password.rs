//! Password hashing for local accounts (argon2id).
//!
//! Each hash or check takes about 19 MiB and tens of milliseconds of one core. They run on the
//! blocking pool under a small limit ([`MAX_CONCURRENT`]): a flood of sign-ins waits in a short
//! line, holding only its request, instead of holding hundreds of Argon2 buffers at once. When
//! the line is full ([`MAX_WAITING`]) or a request waited too long, it is told at once to come
//! back in a moment (503 with `Retry-After`), so everyone keeps getting answers.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand::rngs::OsRng;
use std::sync::LazyLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::Semaphore;

use crate::error::{AppError, AppResult};

/// Hashes and checks running at once, at most.
pub const MAX_CONCURRENT: usize = 4;
/// Requests waiting for a turn, at most; more are turned away at once.
pub const MAX_WAITING: usize = 32;
/// How long a request waits for its turn before it is told to come back.
const MAX_WAIT: Duration = Duration::from_secs(5);
/// Longer passwords are refused: hashing megabytes is a cheap way to burn our CPU.
pub const MAX_LENGTH: usize = 1024;

static TURNS: Semaphore = Semaphore::const_new(MAX_CONCURRENT);
static WAITING: AtomicUsize = AtomicUsize::new(0);

/// Counts a request in line while it lives.
struct InLine;

impl InLine {
    fn join() -> Option<InLine> {
        let before = WAITING.fetch_add(1, Ordering::SeqCst);
        if before >= MAX_WAITING + MAX_CONCURRENT {
            WAITING.fetch_sub(1, Ordering::SeqCst);
            return None;
        }
        Some(InLine)
    }
}

impl Drop for InLine {
    fn drop(&mut self) {
        WAITING.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Runs `work` on the blocking pool once a turn is free.
async fn in_turn<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> AppResult<T> {
    let _in_line = InLine::join().ok_or_else(|| AppError::busy(1))?;
    let _turn = tokio::time::timeout(MAX_WAIT, TURNS.acquire())
        .await
        .map_err(|_| AppError::busy(2))?
        .map_err(|_| AppError::internal())?;
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|_| AppError::internal())
}

/// [`hash`], off the async threads and within the limit.
pub async fn hash_limited(password: String) -> AppResult<String> {
    in_turn(move || hash(&password)).await
}

/// [`verify`], off the async threads and within the limit.
pub async fn verify_limited(password: String, stored: Option<String>) -> AppResult<bool> {
    if password.len() > MAX_LENGTH {
        return Ok(false);
    }
    in_turn(move || verify(&password, stored.as_deref())).await
}

/// Passwords shorter than this are refused when set.
pub const MIN_LENGTH: usize = 12;

/// Hashes a password into a PHC string. CPU-heavy: call it from a blocking task.
pub fn hash(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .unwrap_or_else(|e| unreachable!("argon2 with default parameters cannot fail: {e}"))
}

/// Checks a password against a stored hash. With no stored hash (unknown user, SSO-only
/// account) it still spends the same time, so response times do not reveal which emails exist.
pub fn verify(password: &str, stored: Option<&str>) -> bool {
    static DUMMY: LazyLock<String> = LazyLock::new(|| hash("not a real password"));
    let (phc, real) = match stored {
        Some(s) => (s, true),
        None => (DUMMY.as_str(), false),
    };
    let ok = PasswordHash::new(phc)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false);
    ok && real
}

/// Validates a new password.
pub fn check_strength(password: &str) -> Result<(), String> {
    if password.chars().count() < MIN_LENGTH {
        return Err(format!("Use at least {MIN_LENGTH} characters."));
    }
    if password.len() > MAX_LENGTH {
        return Err(format!("Use at most {MAX_LENGTH} characters."));
    }
    Ok(())
}

/// A random password for the bootstrap admin: 24 characters from an unambiguous alphabet.
pub fn generate() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = OsRng;
    (0..24)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn verifies_only_the_right_password() {
        let stored = super::hash("correct horse battery");
        assert!(super::verify("correct horse battery", Some(&stored)));
        assert!(!super::verify("wrong", Some(&stored)));
        assert!(!super::verify("correct horse battery", None));
    }
}
