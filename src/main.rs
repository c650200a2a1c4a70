/// mimalloc instead of the system allocator: rule evaluation allocates many small values on
/// worker threads that the writing thread frees, which glibc's allocator serves slowly (see
/// docs/performance.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(flowaudit::app::main());
}
