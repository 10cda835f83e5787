//! A read checks the parts of a data file it uses: each column chunk's CRC-32 (recorded in
//! the manifest when the file was written) as the read first touches it, and the file's
//! head and footer when it is opened. Damage in a chunk is an error naming the file and
//! the chunk for every read that uses it; a read of other columns is answered whole and
//! right; `check` (what `fluxi store check` runs) reads every part and finds it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod disk_util;

use disk_util::{read_csv, small_options, Scratch};
use fluxi_storage::line_protocol::{ParseOptions, Precision};
use fluxi_storage::{DiskStorage, Predicate, ReadSpec, Storage};
use parquet::file::reader::{FileReader, SerializedFileReader};
use std::path::{Path, PathBuf};

const H: i64 = 3_600_000_000_000;

/// Two fields, two series, one partition: one data file.
fn store(dir: &Path) {
    let s = DiskStorage::open_with(dir, small_options()).unwrap();
    s.create_bucket("b", None).unwrap();
    let mut lines = String::new();
    for i in 0..40 {
        for host in ["a", "b"] {
            lines.push_str(&format!("m,host={host} f={i}.5,g={i}i {i}\n"));
        }
    }
    s.write_line_protocol(
        "b",
        lines.as_bytes(),
        &ParseOptions::new(Precision::Seconds, 0),
    )
    .unwrap();
    s.flush().unwrap();
}

fn data_file(dir: &Path) -> PathBuf {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("data"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    files.remove(0)
}

/// The byte ranges of column `name`'s chunks, by row group.
fn chunks_of(path: &Path, name: &str) -> Vec<(u64, u64)> {
    let r = SerializedFileReader::new(std::fs::File::open(path).unwrap()).unwrap();
    r.metadata()
        .row_groups()
        .iter()
        .map(|rg| {
            let c = rg
                .columns()
                .iter()
                .find(|c| c.column_path().string() == name)
                .unwrap();
            c.byte_range()
        })
        .collect()
}

fn flip(path: &Path, at: u64) {
    let mut b = std::fs::read(path).unwrap();
    b[at as usize] ^= 0x10;
    std::fs::write(path, b).unwrap();
}

fn field(name: &str) -> Vec<Predicate> {
    vec![Predicate::Eq("_field".into(), name.into())]
}

/// A read of the hour the test data lies in.
fn spec(predicates: Vec<Predicate>) -> ReadSpec {
    ReadSpec {
        bucket: "b".into(),
        start: 0,
        stop: H,
        predicates,
    }
}

#[test]
fn a_damaged_column_chunk_fails_the_reads_that_use_it_and_only_those() {
    let scratch = Scratch::new("parts-chunk");
    let dir = scratch.path().join("store");
    store(&dir);
    let before = {
        let s = DiskStorage::open_with(&dir, small_options()).unwrap();
        read_csv(&s, "b", 0, H, field("g"))
    };
    let file = data_file(&dir);
    let name = file.file_name().unwrap().to_str().unwrap().to_string();
    // Row group 1 holds series b (a's 40 rows fill group 0).
    let chunks = chunks_of(&file, "f:f");
    assert!(chunks.len() >= 2, "{chunks:?}");
    let (start, len) = chunks[1];
    flip(&file, start + len / 2);

    let s = DiskStorage::open_with(&dir, small_options()).unwrap();
    // The other field's chunks are intact: its answer is whole and the same.
    assert_eq!(read_csv(&s, "b", 0, H, field("g")), before);
    // Series a's chunk of f is intact too.
    let a = vec![
        Predicate::Eq("_field".into(), "f".into()),
        Predicate::Eq("host".into(), "a".into()),
    ];
    assert_eq!(s.read(&spec(a)).unwrap().tables.len(), 1);
    // Every read of the damaged chunk is an error naming the file and the chunk.
    for _ in 0..2 {
        let err = s.read(&spec(field("f"))).unwrap_err();
        assert_eq!(
            err.kind(),
            fluxi_storage::StorageErrorKind::Corrupt,
            "{err}"
        );
        let text = err.to_string();
        assert!(text.contains(&name), "{text}");
        assert!(text.contains("row group 1's column chunk"), "{text}");
    }
    // The check reads every part and reports the file.
    let report = s.check().unwrap();
    assert_eq!(report.damaged.len(), 1, "{report:?}");
    assert!(report.damaged[0].path.ends_with(&name), "{report:?}");
}

#[test]
fn a_damaged_head_or_footer_fails_every_read_of_the_file() {
    for (case, at) in [("head", 1u64), ("footer", 0)] {
        let scratch = Scratch::new(&format!("parts-{case}"));
        let dir = scratch.path().join("store");
        store(&dir);
        let file = data_file(&dir);
        let len = std::fs::metadata(&file).unwrap().len();
        // The footer: 8 bytes before the end is its length, then the magic.
        flip(&file, if case == "head" { at } else { len - 10 });
        let s = DiskStorage::open_with(&dir, small_options()).unwrap();
        for p in [field("f"), field("g")] {
            let spec = spec(p);
            let err = s.read(&spec).unwrap_err();
            assert_eq!(
                err.kind(),
                fluxi_storage::StorageErrorKind::Corrupt,
                "{case}: {err}"
            );
            assert!(err.to_string().contains("data file"), "{case}: {err}");
            // Also an answer the manifest's statistics would give (the file's ends are
            // checked before its statistics are used).
            let err = s
                .read_aggregate(&spec, fluxi_storage::Aggregate::Last, None)
                .unwrap_err();
            assert_eq!(
                err.kind(),
                fluxi_storage::StorageErrorKind::Corrupt,
                "{case}: {err}"
            );
        }
        // On a fresh open, the statistics answer is the first read.
        drop(s);
        let s = DiskStorage::open_with(&dir, small_options()).unwrap();
        let spec = spec(field("f"));
        let err = s
            .read_aggregate(&spec, fluxi_storage::Aggregate::Last, None)
            .unwrap_err();
        assert!(err.to_string().contains("CRC-32"), "{case}: {err}");
    }
}

#[test]
fn a_file_listed_without_parts_is_checked_whole() {
    let scratch = Scratch::new("parts-legacy");
    let dir = scratch.path().join("store");
    store(&dir);
    // Rewrite the manifest as a fluxi before parts wrote it: JSON of version 2, no
    // `parts`.
    let manifest = dir.join("MANIFEST");
    let json = fluxi_storage::disk::manifest_json(&dir).unwrap().unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&json).unwrap();
    for b in v["buckets"].as_array_mut().unwrap() {
        for f in b["files"].as_array_mut().unwrap() {
            assert!(f.as_object_mut().unwrap().remove("parts").is_some());
        }
    }
    let json = serde_json::to_string(&v).unwrap();
    let crc = crc32fast::hash(json.as_bytes());
    std::fs::write(&manifest, format!("fluxi-manifest 2 {crc:08x}\n{json}")).unwrap();

    let file = data_file(&dir);
    // Damage in series a's chunk of g: a read of f alone still sees the whole file fail.
    let (start, len) = chunks_of(&file, "f:g")[0];
    flip(&file, start + len / 2);
    let s = DiskStorage::open_with(&dir, small_options()).unwrap();
    let spec = spec(field("f"));
    let err = s.read(&spec).unwrap_err();
    assert!(err.to_string().contains("CRC-32 is"), "{err}");
}

#[test]
fn a_manifest_that_lists_a_part_beyond_the_file_is_an_error_not_an_allocation() {
    let scratch = Scratch::new("parts-beyond");
    let dir = scratch.path().join("store");
    store(&dir);
    // A manifest with a valid checksum whose tail part claims a terabyte: a read must
    // say the manifest is wrong instead of trying to allocate the claimed size.
    let json = fluxi_storage::disk::manifest_json(&dir).unwrap().unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&json).unwrap();
    for b in v["buckets"].as_array_mut().unwrap() {
        for f in b["files"].as_array_mut().unwrap() {
            let parts = f["parts"].as_array_mut().unwrap();
            let tail = parts.last_mut().unwrap();
            tail[1] = serde_json::json!(1u64 << 40);
        }
    }
    let json = serde_json::to_string(&v).unwrap();
    let crc = crc32fast::hash(json.as_bytes());
    std::fs::write(
        dir.join("MANIFEST"),
        format!("fluxi-manifest 2 {crc:08x}\n{json}"),
    )
    .unwrap();
    let s = DiskStorage::open_with(&dir, small_options()).unwrap();
    let err = s.read(&spec(field("f"))).unwrap_err().to_string();
    assert!(err.contains("beyond its"), "{err}");
    assert!(err.contains(".parquet"), "{err}");
}
