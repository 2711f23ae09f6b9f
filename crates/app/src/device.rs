//! Sign-in on another device (the device authorization grant): a device asks for a code, the user
//! types its short user code on gdap's page and confirms, the device polls until it gets tokens.
//! Both codes are kept only as hashes; the user code leads to the device code's grant, whose
//! answer changes once (approved or declined), one writer at a time.

use gdap_domain::ids::ClientId;
use gdap_domain::oauth::{
    DeviceAnswer, DeviceGrant, DEVICE_GRACE, DEVICE_KIND, USER_CODE_ALPHABET, USER_CODE_KIND,
    USER_CODE_LEN,
};
use gdap_store::NewGrant;
use ring::rand::{SecureRandom, SystemRandom};
use time::OffsetDateTime;

use crate::error::{AppError, AppResult};
use crate::signin::{random_secret, secret_hash};
use crate::state::AppState;

/// How many device codes may wait at once: the endpoint is anonymous, so its rows are bounded.
pub const MAX_LIVE_DEVICE_CODES: u64 = 10_000;

/// The codes of a device sign-in that has started.
#[derive(Debug, Clone)]
pub struct DeviceCodes {
    /// The device's secret, which it polls with.
    pub device_code: String,
    /// The short code the user types.
    pub user_code: String,
}

/// A device code waiting on the verification page, found by its user code.
#[derive(Debug, Clone)]
pub struct Waiting {
    /// The hash of the device code (the grant's key).
    pub device_hash: String,
    /// The grant's stored form, for the compare-and-set of the answer.
    body: String,
    /// The grant.
    pub grant: DeviceGrant,
}

/// What polling a device code finds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Poll {
    /// No such code (mistyped, never issued, or long expired).
    Unknown,
    /// The user has not answered yet.
    Pending,
    /// The code expired before it was answered.
    Expired,
    /// The user declined.
    Declined,
    /// The device already got its tokens with this code.
    Redeemed,
    /// The code was issued to another application (nothing about it changes).
    OtherClient,
    /// The user approved, and this poll is the one that gets the tokens.
    Approved(DeviceGrant),
}

fn user_code() -> AppResult<String> {
    let rng = SystemRandom::new();
    let mut code = String::with_capacity(USER_CODE_LEN);
    // Rejection sampling keeps every letter equally likely.
    let limit = 256 - 256 % USER_CODE_ALPHABET.len();
    while code.len() < USER_CODE_LEN {
        let mut b = [0u8; 16];
        rng.fill(&mut b)
            .map_err(|_| AppError::Internal("the system's random generator failed".into()))?;
        for x in b.iter().map(|x| usize::from(*x)).filter(|x| *x < limit) {
            if code.len() < USER_CODE_LEN {
                code.push(char::from(USER_CODE_ALPHABET[x % USER_CODE_ALPHABET.len()]));
            }
        }
    }
    Ok(code)
}

fn encode(grant: &DeviceGrant) -> AppResult<String> {
    serde_json::to_string(grant).map_err(|e| AppError::Internal(format!("a device code: {e}")))
}

fn decode(body: &str) -> AppResult<DeviceGrant> {
    serde_json::from_str(body).map_err(|e| AppError::Internal(format!("a stored device code: {e}")))
}

/// Starts a device sign-in for `grant` (pending): its codes, or `None` when as many device codes
/// as the server keeps are already waiting.
pub async fn start(
    app: &AppState,
    grant: &DeviceGrant,
    now: OffsetDateTime,
) -> AppResult<Option<DeviceCodes>> {
    if app.store.live_grants(DEVICE_KIND, now).await? >= MAX_LIVE_DEVICE_CODES {
        return Ok(None);
    }
    let device_code = random_secret()?;
    let user_code = user_code()?;
    let device_hash = secret_hash(&device_code);
    let body = encode(grant)?;
    app.store
        .put_grant(
            NewGrant {
                hash: &device_hash,
                kind: DEVICE_KIND,
                body: &body,
                subject: None,
                session: None,
                expires_at: grant.expires_at + DEVICE_GRACE,
            },
            now,
        )
        .await?;
    app.store
        .put_grant(
            NewGrant {
                hash: &secret_hash(&user_code),
                kind: USER_CODE_KIND,
                body: &device_hash,
                subject: None,
                session: None,
                expires_at: grant.expires_at,
            },
            now,
        )
        .await?;
    Ok(Some(DeviceCodes {
        device_code,
        user_code,
    }))
}

/// The device sign-in a user code (normalized) stands for, while it waits for an answer.
pub async fn waiting(
    app: &AppState,
    user_code: &str,
    now: OffsetDateTime,
) -> AppResult<Option<Waiting>> {
    let Some(device_hash) = app
        .store
        .grant(&secret_hash(user_code), USER_CODE_KIND, now)
        .await?
    else {
        return Ok(None);
    };
    let Some(body) = app.store.grant(&device_hash, DEVICE_KIND, now).await? else {
        return Ok(None);
    };
    let grant = decode(&body)?;
    if grant.answer != DeviceAnswer::Pending || grant.expires_at <= now {
        return Ok(None);
    }
    Ok(Some(Waiting {
        device_hash,
        body,
        grant,
    }))
}

/// Records the user's answer to a waiting device sign-in, and retires its user code: `false` when
/// it was answered (or expired) in the meantime.
pub async fn answer(
    app: &AppState,
    waiting: &Waiting,
    user_code: &str,
    answer: DeviceAnswer,
    now: OffsetDateTime,
) -> AppResult<bool> {
    let mut grant = waiting.grant.clone();
    grant.answer = answer;
    let answered = app
        .store
        .replace_grant(
            &waiting.device_hash,
            DEVICE_KIND,
            &waiting.body,
            &encode(&grant)?,
            now,
        )
        .await?;
    if answered {
        app.store
            .take_grant(&secret_hash(user_code), USER_CODE_KIND, now)
            .await?;
    }
    Ok(answered)
}

/// What the device (the application `client_id`) polling with `device_code` gets. An approved code gives tokens to one poll:
/// it is marked redeemed as it is answered.
pub async fn poll(
    app: &AppState,
    client_id: ClientId,
    device_code: &str,
    now: OffsetDateTime,
) -> AppResult<Poll> {
    if device_code.len() > 200 {
        return Ok(Poll::Unknown);
    }
    let hash = secret_hash(device_code);
    let Some(body) = app.store.grant(&hash, DEVICE_KIND, now).await? else {
        return Ok(Poll::Unknown);
    };
    let grant = decode(&body)?;
    if grant.client_id != client_id {
        return Ok(Poll::OtherClient);
    }
    Ok(match grant.answer {
        DeviceAnswer::Pending if grant.expires_at <= now => Poll::Expired,
        DeviceAnswer::Pending => Poll::Pending,
        DeviceAnswer::Declined => Poll::Declined,
        DeviceAnswer::Redeemed => Poll::Redeemed,
        DeviceAnswer::Approved { .. } => {
            let mut done = grant.clone();
            done.answer = DeviceAnswer::Redeemed;
            // Two polls at once: one gets the tokens, the other is told they were given.
            if app
                .store
                .replace_grant(&hash, DEVICE_KIND, &body, &encode(&done)?, now)
                .await?
            {
                Poll::Approved(grant)
            } else {
                Poll::Redeemed
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_code_has_nine_letters_of_the_unambiguous_alphabet() {
        for _ in 0..200 {
            let c = user_code().unwrap();
            assert_eq!(gdap_domain::oauth::normalize_user_code(&c), Some(c.clone()));
        }
    }
}
