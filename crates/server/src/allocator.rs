//! The allocator: mimalloc, set to hand memory the server no longer uses back to the system
//! shortly after it is freed, busy or idle.

use std::time::Duration;

/// A request allocates many small, short-lived buffers (headers, JSON, the answer) on whichever
/// runtime thread runs it; mimalloc's per-thread free lists serve them without the locking and
/// consolidation passes of the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// How long freed memory stays mapped in case it is wanted again. mimalloc's own default is a
/// second, which keeps about a second of request garbage resident under load; none at all makes
/// every page that empties between two requests fault back in on the next (thousands of page
/// faults a second under load, and a slower, jumpier server).
const PURGE_DELAY_MS: std::ffi::c_long = 100;

/// How often freed memory whose delay has passed is handed back when nothing else prompts it.
/// mimalloc only looks at delayed purges during later allocator calls, so a server that has gone
/// quiet would otherwise keep whatever it last freed (the start-up load of the authorization
/// index included).
const SWEEP_EVERY: Duration = Duration::from_millis(100);

/// `mi_option_purge_delay` in mimalloc's option enum (`mimalloc.h`), which the sys crate does not
/// name: the option just before `use_numa_nodes`.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Sets the purge delay (unless the operator set `MIMALLOC_PURGE_DELAY`, which mimalloc reads
/// itself) and starts the thread that sweeps delayed purges.
pub fn return_freed_memory() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        set_purge_delay(PURGE_DELAY_MS);
    }
    let sweeper = std::thread::Builder::new()
        .name("gdap-allocator".into())
        .spawn(|| {
            // mimalloc collects only on threads that have allocated once.
            drop(std::hint::black_box(Vec::<u8>::with_capacity(64)));
            loop {
                std::thread::sleep(SWEEP_EVERY);
                sweep();
            }
        });
    if let Err(e) = sweeper {
        eprintln!("gdap: freed memory will be returned only under load: {e}");
    }
}

#[allow(
    unsafe_code,
    reason = "mimalloc's options are set through its C API; there is no safe wrapper"
)]
fn set_purge_delay(ms: std::ffi::c_long) {
    // SAFETY: `mi_option_set` may be called at any time from any thread; the purge delay takes
    // any value in milliseconds.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, ms) };
}

#[allow(
    unsafe_code,
    reason = "mimalloc's collection is called through its C API; there is no safe wrapper"
)]
fn sweep() {
    // SAFETY: `mi_collect` may be called from any thread at any time; without `force` it only
    // hands back memory whose purge delay has passed (across all threads' freed pages) and tidies
    // this thread's own, nearly empty, heap.
    unsafe { libmimalloc_sys::mi_collect(false) };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_purge_delay_option_sits_where_mimalloc_numbers_it() {
        assert_eq!(
            libmimalloc_sys::mi_option_use_numa_nodes - 1,
            MI_OPTION_PURGE_DELAY
        );
    }

    #[allow(
        unsafe_code,
        reason = "reading mimalloc's option back through its C API"
    )]
    #[test]
    fn the_purge_delay_is_set_unless_the_operator_chose_one() {
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
            return;
        }
        return_freed_memory();
        // SAFETY: `mi_option_get` only reads an option.
        let delay = unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) };
        assert_eq!(delay, PURGE_DELAY_MS);
    }
}
