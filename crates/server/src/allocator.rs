//! The allocator: mimalloc, set to hand memory the server no longer uses back to the system as
//! soon as it is freed.

/// A request allocates many small, short-lived buffers (headers, JSON, the answer) on whichever
/// runtime thread runs it; mimalloc's per-thread free lists serve them without the locking and
/// consolidation passes of the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// How long freed memory stays mapped in case it is wanted again: not at all. mimalloc's default
/// is a second, and it looks at delayed purges again only on later allocator calls, so a busy server
/// stayed resident with about a second of request garbage and one that had gone quiet kept whatever it
/// last freed (the start-up load of the authorization index included). A delay of 100 ms with a
/// thread sweeping expired purges was measured too: it spares the pages that empty between two
/// requests from faulting back in (thousands of page faults a second under load, against tens), but
/// kept about 20 MB more resident for 100,000 relationships, which the memory budget does not allow.
/// `MIMALLOC_PURGE_DELAY` chooses otherwise.
const PURGE_DELAY_MS: std::ffi::c_long = 0;

/// `mi_option_purge_delay` in mimalloc's option enum (`mimalloc.h`), which the sys crate does not
/// name: the option just before `use_numa_nodes`.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Sets the purge delay, unless the operator set `MIMALLOC_PURGE_DELAY` (which mimalloc reads
/// itself).
pub fn return_freed_memory() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        set_purge_delay(PURGE_DELAY_MS);
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
