fn main() -> std::process::ExitCode {
    wt::cli::main()
}
