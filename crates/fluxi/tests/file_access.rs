//! Which files a query may read (`csv.from(file:)`): none unless the engine allows it,
//! only inside the allowed directories, and only regular files (never a FIFO, a device or
//! `/proc`), whatever the policy.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use fluxi::Engine;
use std::path::Path;
use std::time::{Duration, Instant};

const CSV: &str = "#datatype,string,long,long\n#group,false,false,false\n#default,_result,,\n,result,table,a\n,,0,7\n";

fn read(engine: &Engine, path: &Path) -> Result<String, fluxi::Error> {
    let q = format!(
        "import \"csv\"\ncsv.from(file: {:?})",
        path.to_str().unwrap()
    );
    engine.query(&q).map(|r| r.to_csv_lf())
}

fn code(r: Result<String, fluxi::Error>) -> String {
    r.expect_err("refused").code().unwrap_or_default()
}

#[test]
fn an_engine_reads_no_files_unless_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("d.csv");
    std::fs::write(&file, CSV).unwrap();
    let err = read(&Engine::in_memory(), &file).unwrap_err();
    assert_eq!(err.code().as_deref(), Some("fluxi::eval::file_access"));
    assert!(err.to_string().contains("--allow-file-read"), "{err}");
    let any = Engine::builder().allow_any_file_read().build().unwrap();
    assert!(read(&any, &file).unwrap().contains(",7"));
}

#[test]
fn only_files_inside_the_allowed_directories_are_read() {
    let allowed = tempfile::tempdir().unwrap();
    let other = tempfile::tempdir().unwrap();
    let inside = allowed.path().join("sub");
    std::fs::create_dir(&inside).unwrap();
    std::fs::write(inside.join("d.csv"), CSV).unwrap();
    std::fs::write(other.path().join("secret.csv"), CSV).unwrap();
    let e = Engine::builder()
        .allow_file_read(allowed.path())
        .build()
        .unwrap();
    assert!(read(&e, &inside.join("d.csv")).unwrap().contains(",7"));
    assert_eq!(
        code(read(&e, &other.path().join("secret.csv"))),
        "fluxi::eval::file_access"
    );
    // `..` and symbolic links are resolved before the check.
    let dotdot = inside
        .join("../../")
        .join(other.path().file_name().unwrap())
        .join("secret.csv");
    assert_eq!(code(read(&e, &dotdot)), "fluxi::eval::file_access");
    #[cfg(unix)]
    {
        let link = allowed.path().join("link.csv");
        std::os::unix::fs::symlink(other.path().join("secret.csv"), &link).unwrap();
        assert_eq!(code(read(&e, &link)), "fluxi::eval::file_access");
    }
    // A directory that does not exist cannot be allowed.
    let err = Engine::builder()
        .allow_file_read(allowed.path().join("missing"))
        .build()
        .err()
        .expect("refused");
    assert!(err.to_string().contains("missing"), "{err}");
}

#[cfg(unix)]
#[test]
fn fifos_devices_and_proc_are_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let e = Engine::builder().allow_any_file_read().build().unwrap();
    let start = Instant::now();
    let err = read(&e, &fifo).unwrap_err();
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "a FIFO must not block"
    );
    assert_eq!(err.code().as_deref(), Some("fluxi::eval::file_access"));
    assert!(err.to_string().contains("FIFO"), "{err}");
    for path in ["/proc/self/environ", "/dev/zero", "/dev/null"] {
        let err = read(&e, Path::new(path)).unwrap_err();
        assert_eq!(
            err.code().as_deref(),
            Some("fluxi::eval::file_access"),
            "{path}: {err}"
        );
    }
    let err = read(&e, dir.path()).unwrap_err();
    assert!(err.to_string().contains("directory"), "{err}");
}

#[test]
fn a_file_bigger_than_the_memory_limit_is_refused_unread() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("big.csv");
    std::fs::write(&file, CSV.repeat(1000)).unwrap();
    let e = Engine::builder()
        .allow_any_file_read()
        .memory_limit(Some(4096))
        .build()
        .unwrap();
    assert_eq!(code(read(&e, &file)), "fluxi::exec::memory_limit");
}

#[test]
fn v1_json_reads_a_file_only_where_csv_from_may() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("r.json");
    std::fs::write(
        &file,
        r#"{"results":[{"statement_id":0,"series":[{"name":"m","columns":["time","v"],"values":[["2026-01-01T00:00:00Z",4]]}]}]}"#,
    )
    .unwrap();
    let q = format!(
        "import \"influxdata/influxdb/v1\"\nv1.json(file: {:?})",
        file.to_str().unwrap()
    );
    let err = Engine::in_memory().query(&q).unwrap_err();
    assert_eq!(err.code().as_deref(), Some("fluxi::eval::file_access"));
    let allowed = Engine::builder()
        .allow_file_read(dir.path())
        .build()
        .unwrap();
    let csv = allowed.query(&q).unwrap().to_csv_lf();
    assert!(csv.contains(",,0,2026-01-01T00:00:00Z,m,v,4\n"), "{csv}");
}
