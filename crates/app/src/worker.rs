//! The background lifecycle worker.

use std::future::Future;
use std::time::Duration;

use crate::state::AppState;

/// How often the worker looks for due steps when nothing wakes it.
pub const TICK: Duration = Duration::from_millis(250);

/// The lease under which one node at a time runs the lifecycle and seals the audit record; the
/// holder renews it every tick, and another node takes over once a holder has been silent this
/// long.
pub const LEASE: (&str, Duration) = ("lifecycle", Duration::from_secs(10));

/// Runs the lifecycle, and delivers the outbox, until `shutdown` completes: on every tick and
/// whenever a change wakes it.
pub async fn run(state: AppState, shutdown: impl Future<Output = ()>) {
    tokio::pin!(shutdown);
    let mut reloaded = std::time::Instant::now();
    let mut purged = std::time::Instant::now();
    loop {
        tokio::select! {
            () = &mut shutdown => return,
            () = state.wake.notified() => {}
            () = tokio::time::sleep(TICK) => {}
        }
        if let Err(e) = state.sync_clock().await {
            tracing::warn!(error = %e, "reading the shared clock failed");
        }
        // With several nodes, one runs the lifecycle at a time: the others would only race it for
        // the same rows (each step is applied once either way, by its version check).
        let holder = match state.store.try_lease(LEASE.0, LEASE.1).await {
            Ok(h) => h,
            Err(e) => {
                tracing::warn!(error = %e, "renewing the lifecycle lease failed; retrying");
                false
            }
        };
        if holder {
            match state.run_lifecycle(None).await {
                Ok(r) if r.total() > 0 => tracing::debug!(steps = r.total(), "lifecycle ran"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "lifecycle run failed; retrying"),
            }
        }
        // Other nodes' writes reach this node's authorization index by a periodic reload.
        if let Some(every) = state.config.authz_reload {
            if reloaded.elapsed() >= every {
                reloaded = std::time::Instant::now();
                if let Err(e) = state.authz.reload(state.store.as_ref()).await {
                    tracing::warn!(error = %e, "reloading the authorization index failed");
                }
            }
        }
        if holder {
            match state.store.seal_audit(1000).await {
                Ok(0) => {}
                Ok(_) => {
                    if let Err(e) =
                        crate::audit::advance_checkpoint(state.store.as_ref(), &state.keys).await
                    {
                        tracing::warn!(error = %e, "signing the audit checkpoint failed; retrying");
                    }
                }
                Err(e) => tracing::warn!(error = %e, "sealing the audit record failed; retrying"),
            }
        }
        // Counts of failed sign-ins whose window has passed are of no use, nor are the request
        // allowances of callers that have been quiet.
        if purged.elapsed() >= Duration::from_secs(60) {
            purged = std::time::Instant::now();
            state.rate.retain_recent();
            if holder {
                state.throttle.purge(time::OffsetDateTime::now_utc()).await;
            }
        }
        if let Some(mailer) = &state.mailer {
            if let Err(e) = crate::mailer::deliver_due(&state, mailer.as_ref()).await {
                tracing::warn!(error = %e, "outbox delivery failed; retrying");
            }
        }
    }
}
