// mimalloc reuses the memory of one letter for the next better than the system allocator: the
// peak for a publication ten times the size stays within a fifth of the national batch's (see
// bench/RESULTS.md), and large batches run faster.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    annual_review::cli::run()
}
