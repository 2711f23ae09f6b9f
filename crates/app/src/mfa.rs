//! Multifactor sign-in: time-based one-time codes (RFC 6238: HMAC-SHA-1, six digits, 30-second
//! steps), as every authenticator app makes them. A user enrols by typing the first code of a new
//! secret; afterwards each sign-in asks for a code, and a code is accepted once. A partner may
//! require the second factor of its users, as Microsoft requires of every partner.

use data_encoding::BASE32_NOPAD;
use gdap_domain::directory::Tenant;
use gdap_domain::ids::{TenantId, UserId};
use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};
use time::OffsetDateTime;

use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Seconds per time step.
pub const STEP_SECS: i64 = 30;

/// How many steps either side of now a code may come from (clock drift, typing time).
const WINDOW: i64 = 1;

/// Whether `tenant` requires its users to sign in with a second factor.
pub fn required_for(tenant: &Tenant) -> bool {
    tenant.partner.as_ref().is_some_and(|p| p.require_mfa)
}

/// A fresh secret: 20 random bytes, base32 without padding (32 characters).
pub fn new_secret() -> AppResult<String> {
    let mut b = [0u8; 20];
    SystemRandom::new()
        .fill(&mut b)
        .map_err(|_| AppError::Internal("the system's random generator failed".into()))?;
    Ok(BASE32_NOPAD.encode(&b))
}

/// The time step of `now`.
pub fn step_of(now: OffsetDateTime) -> i64 {
    now.unix_timestamp().div_euclid(STEP_SECS)
}

/// The six-digit code of `secret` (base32) at `step`; `None` for a secret that is not base32.
pub fn code_at(secret: &str, step: i64) -> Option<u32> {
    let key = BASE32_NOPAD.decode(secret.as_bytes()).ok()?;
    let tag = hmac::sign(
        &hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, &key),
        &step.to_be_bytes(),
    );
    let t = tag.as_ref();
    let at = usize::from(t[t.len() - 1] & 0x0f);
    let bin = u32::from_be_bytes([t[at] & 0x7f, t[at + 1], t[at + 2], t[at + 3]]);
    Some(bin % 1_000_000)
}

/// The step within the window around `now` whose code `typed` is (spaces ignored).
pub fn matching_step(secret: &str, typed: &str, now: OffsetDateTime) -> Option<i64> {
    let digits: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    if digits.len() != 6 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let code: u32 = digits.parse().ok()?;
    let now = step_of(now);
    (now - WINDOW..=now + WINDOW).find(|s| code_at(secret, *s) == Some(code))
}

/// The `otpauth://` URI authenticator apps import (as a QR code or pasted).
pub fn otpauth_uri(issuer: &str, account: &str, secret: &str) -> String {
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    format!(
        "otpauth://totp/{}:{}?secret={secret}&issuer={}&algorithm=SHA1&digits=6&period=30",
        enc(issuer),
        enc(account),
        enc(issuer)
    )
}

/// Whether the user has enrolled a second factor.
pub async fn enrolled(app: &AppState, user: UserId) -> AppResult<bool> {
    Ok(app.store.mfa_method(user).await?.is_some())
}

/// Checks `typed` against the user's second factor: `true` once per code.
pub async fn verify(
    app: &AppState,
    user: UserId,
    typed: &str,
    now: OffsetDateTime,
) -> AppResult<bool> {
    let Some(method) = app.store.mfa_method(user).await? else {
        return Ok(false);
    };
    match matching_step(&method.secret, typed, now) {
        Some(step) if step > method.last_step => Ok(app.store.use_mfa_step(user, step).await?),
        _ => Ok(false),
    }
}

/// Enrols the user with `secret` if `typed` is its current code: `false` when it is not, or the
/// user enrolled meanwhile.
pub async fn enrol(
    app: &AppState,
    tenant: TenantId,
    user: UserId,
    secret: &str,
    typed: &str,
    now: OffsetDateTime,
) -> AppResult<bool> {
    let Some(step) = matching_step(secret, typed, now) else {
        return Ok(false);
    };
    Ok(app.store.enrol_mfa(tenant, user, secret, step, now).await?)
}

/// The grant kind of a sign-in waiting for its second step.
const PENDING_KIND: &str = "mfa_pending";

/// How long the second step may take.
pub const PENDING_LIFETIME: time::Duration = time::Duration::minutes(10);

/// A sign-in whose password was right, waiting for its second step.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Pending {
    /// The user's tenant.
    pub tenant: TenantId,
    /// The user.
    pub user: UserId,
    /// Where the sign-in goes on to.
    pub back: String,
    /// For an enrolment: the new secret the user adds to an authenticator app.
    pub new_secret: Option<String>,
}

/// Keeps a sign-in waiting for its second step; the token the browser holds meanwhile.
pub async fn begin(app: &AppState, pending: &Pending, now: OffsetDateTime) -> AppResult<String> {
    let token = crate::signin::random_secret()?;
    let body = serde_json::to_string(pending)
        .map_err(|e| AppError::Internal(format!("a pending sign-in: {e}")))?;
    let subject = pending.user.to_string();
    app.store
        .put_grant(
            gdap_store::NewGrant {
                hash: &crate::signin::secret_hash(&token),
                kind: PENDING_KIND,
                body: &body,
                subject: Some(&subject),
                session: None,
                expires_at: now + PENDING_LIFETIME,
            },
            now,
        )
        .await?;
    Ok(token)
}

/// The sign-in `token` stands for, while it waits.
pub async fn pending(
    app: &AppState,
    token: &str,
    now: OffsetDateTime,
) -> AppResult<Option<Pending>> {
    if token.len() != 43 {
        return Ok(None);
    }
    let Some(body) = app
        .store
        .grant(&crate::signin::secret_hash(token), PENDING_KIND, now)
        .await?
    else {
        return Ok(None);
    };
    serde_json::from_str(&body)
        .map(Some)
        .map_err(|e| AppError::Internal(format!("a stored pending sign-in: {e}")))
}

/// Ends the wait of `token`'s sign-in (its second step succeeded): `false` when another request
/// ended it first.
pub async fn finish(app: &AppState, token: &str, now: OffsetDateTime) -> AppResult<bool> {
    Ok(app
        .store
        .take_grant(&crate::signin::secret_hash(token), PENDING_KIND, now)
        .await?
        .is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238's SHA-1 secret, "12345678901234567890", in base32.
    const RFC: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

    #[test]
    fn codes_match_the_rfc_6238_test_vectors() {
        // The RFC's eight-digit values, of which authenticator apps show the last six.
        for (t, eight) in [
            (59, 94_287_082),
            (1_111_111_109, 7_081_804),
            (1_234_567_890, 89_005_924),
            (2_000_000_000, 69_279_037),
        ] {
            assert_eq!(code_at(RFC, t / STEP_SECS), Some(eight % 1_000_000), "{t}");
        }
    }

    #[test]
    fn a_code_is_accepted_one_step_either_side_and_no_further() {
        let now = OffsetDateTime::from_unix_timestamp(1_234_567_890).unwrap();
        let step = step_of(now);
        for (delta, ok) in [(-2, false), (-1, true), (0, true), (1, true), (2, false)] {
            let code = format!("{:06}", code_at(RFC, step + delta).unwrap());
            assert_eq!(matching_step(RFC, &code, now).is_some(), ok, "{delta}");
        }
        assert_eq!(matching_step(RFC, "12345", now), None);
        assert_eq!(matching_step(RFC, "abcdef", now), None);
        assert_eq!(code_at("not base32!", 1), None);
    }

    #[test]
    fn a_new_secret_is_thirty_two_base32_letters() {
        let s = new_secret().unwrap();
        assert_eq!(s.len(), 32);
        assert!(code_at(&s, 1).is_some());
    }
}
