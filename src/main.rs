fn main() -> std::process::ExitCode {
    annual_review::cli::run()
}
