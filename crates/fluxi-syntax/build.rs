fn main() {
    let grammar_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../grammar");
    println!(
        "cargo:rerun-if-changed={}",
        grammar_dir.join("flux.lalrpop").display()
    );
    let out_dir = std::env::var("OUT_DIR").unwrap_or_else(|_| ".".into());
    let result = lalrpop::Configuration::new()
        .set_in_dir(&grammar_dir)
        .set_out_dir(&out_dir)
        .emit_rerun_directives(true)
        .process();
    if let Err(e) = result {
        eprintln!("lalrpop failed on grammar/flux.lalrpop: {e}");
        std::process::exit(1);
    }
}
