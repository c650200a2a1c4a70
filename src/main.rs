/// mimalloc instead of the system allocator: rule evaluation allocates many small values on
/// worker threads that the writing thread frees, which glibc's allocator serves slowly (see
/// docs/performance.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

// mimalloc's own interface (its C library is linked in by the allocator above).
unsafe extern "C" {
    fn mi_option_set(option: std::ffi::c_int, value: std::ffi::c_long);
}

/// `mi_option_purge_delay` of mimalloc 3 (`mimalloc.h`).
const MI_OPTION_PURGE_DELAY: std::ffi::c_int = 15;

fn main() {
    // Freed memory stays with the allocator instead of going back to the system 10 ms later:
    // an organization scan frees and allocates memory all along, and every page given back was
    // faulted in and zeroed by the kernel again (a tenth of the scan's CPU time). The peak stays
    // the peak; `MIMALLOC_PURGE_DELAY` in the environment still decides when it is set.
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: a plain setter of an integer option, called before any other thread runs.
        unsafe { mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
    }
    std::process::exit(flowaudit::app::main());
}
