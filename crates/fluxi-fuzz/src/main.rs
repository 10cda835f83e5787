//! `fluxi-fuzz TARGET [--seconds N] [--seed S]`: fuzz one target until it fails or the time
//! is up; an input that fails is saved as `corpus/TARGET/crash-<seed>-<n>` (keep it there
//! as a regression once fixed).

use fluxi_fuzz::{corpus_dir, run, Target};
use std::process::ExitCode;
use std::time::{Duration, Instant};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let names: Vec<&str> = Target::ALL.iter().map(|t| t.name()).collect();
    let Some(target) = args.first().and_then(|a| Target::from_name(a)) else {
        eprintln!(
            "usage: fluxi-fuzz TARGET [--seconds N] [--seed S]; targets: {}",
            names.join(", ")
        );
        return ExitCode::from(2);
    };
    let flag = |name: &str, default: u64| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let seconds = flag("--seconds", 60);
    let mut seed = flag("--seed", 1);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut total = 0u64;
    // Rounds of 10,000 inputs, each with the next seed, until the time is up.
    let worker = std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(move || {
            while Instant::now() < deadline {
                match run(target, 10_000, seed, Duration::from_secs(10)) {
                    Ok(stats) => total += stats.inputs,
                    Err(crash) => {
                        let dir = corpus_dir(target);
                        let path = dir.join(format!("crash-{seed}-{}", crash.input.len()));
                        let saved = std::fs::create_dir_all(&dir)
                            .and_then(|()| std::fs::write(&path, &crash.input));
                        eprintln!("{crash}");
                        match saved {
                            Ok(()) => eprintln!("saved as {}", path.display()),
                            Err(e) => eprintln!("could not save it: {e}"),
                        }
                        return false;
                    }
                }
                seed += 1;
            }
            eprintln!("{}: {total} inputs, no failure", target.name());
            true
        });
    match worker.map(|h| h.join()) {
        Ok(Ok(true)) => ExitCode::SUCCESS,
        _ => ExitCode::from(1),
    }
}
