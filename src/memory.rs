//! How the process takes memory from the system.
//!
//! mimalloc asks Linux for transparent huge pages on its arenas, and the
//! kernel zeroes a 2 MB huge page in full the first time any byte of it is
//! touched. A run of jixiao is short and uses only part of most of those
//! pages, so on systems where huge pages are on (`madvise` or `always`)
//! that zeroing was a large share of a run's time and memory. Turning them
//! off for the process is what `MIMALLOC_ALLOW_THP=0` would do, from
//! inside: the environment is read before `main`, too late to set there.

/// Turns transparent huge pages off for this process (Linux; elsewhere
/// nothing to do). Call it first thing in `main`: it also covers memory
/// the allocator has already reserved, at its next touch.
pub fn small_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes integer arguments only and changes
    // no memory the program can see; a kernel without it returns an error,
    // which leaves things as they were.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}
