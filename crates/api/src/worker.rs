//! The background lifecycle worker.

use std::future::Future;
use std::time::Duration;

use crate::state::AppState;

/// How often the worker looks for due steps when nothing wakes it.
pub const TICK: Duration = Duration::from_millis(250);

/// Runs the lifecycle until `shutdown` completes: on every tick and whenever a change wakes it.
pub async fn run(state: AppState, shutdown: impl Future<Output = ()>) {
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => return,
            () = state.wake.notified() => {}
            () = tokio::time::sleep(TICK) => {}
        }
        match state.run_lifecycle(None).await {
            Ok(r) if r.total() > 0 => tracing::debug!(steps = r.total(), "lifecycle ran"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "lifecycle run failed; retrying"),
        }
    }
}
