fn main() {
    std::process::exit(flowaudit::app::main());
}
