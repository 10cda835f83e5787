//! The memory store: writes are read back in Flux's long shape, predicates select series,
//! type conflicts reject a batch whole, and schema questions come from metadata.

#![allow(clippy::unwrap_used)] // test helpers: a failure is a failed test

use fluxi_storage::line_protocol::{parse, Precision};
use fluxi_storage::{Applied, MemoryStorage, Predicate, ReadSpec, Storage, StorageError};
use fluxi_value::csv::{encode, LineEnding};
use std::sync::Arc;

const S: i64 = 1_000_000_000;

fn store(lines: &str) -> MemoryStorage {
    let s = MemoryStorage::new();
    s.create_bucket("b", None).unwrap();
    let points = parse(lines.as_bytes(), Precision::Seconds, 0).unwrap();
    s.write("b", &points).unwrap();
    s
}

fn read(s: &MemoryStorage, predicates: Vec<Predicate>) -> (String, Vec<Applied>) {
    let r = s
        .read(&ReadSpec {
            bucket: "b".into(),
            start: 0,
            stop: 100 * S,
            predicates,
        })
        .unwrap();
    (
        encode(&[("_result".to_string(), r.tables)], LineEnding::Lf),
        r.applied,
    )
}

const DATA: &str = "cpu,host=a usage=1.5,n=3i 10
cpu,host=b usage=2.5 10
cpu,host=a usage=0.5 20
mem,host=a used=7i 10
cpu,host=a usage=9.5 200
";

#[test]
fn reads_the_long_shape_grouped_by_series() {
    let (csv, applied) = read(&store(DATA), vec![]);
    assert!(applied.is_empty());
    let expected = "\
#datatype,string,long,dateTime:RFC3339,dateTime:RFC3339,dateTime:RFC3339,long,string,string,string
#group,false,false,true,true,false,false,true,true,true
#default,_result,,,,,,,,
,result,table,_start,_stop,_time,_value,_field,_measurement,host
,,0,1970-01-01T00:00:00Z,1970-01-01T00:01:40Z,1970-01-01T00:00:10Z,3,n,cpu,a
";
    assert!(csv.starts_with(expected), "{csv}");
    // Four series in range: cpu/a/n, cpu/a/usage (2 rows; the point at 200 s is out of
    // range), cpu/b/usage, mem/a/used.
    let tables: std::collections::BTreeSet<&str> = csv
        .lines()
        .filter(|l| l.starts_with(",,"))
        .filter_map(|l| l.split(',').nth(2))
        .collect();
    assert_eq!(tables.len(), 4, "{csv}");
    assert!(
        csv.contains(
            ",,1,1970-01-01T00:00:00Z,1970-01-01T00:01:40Z,1970-01-01T00:00:20Z,0.5,usage,cpu,a\n"
        ),
        "{csv}"
    );
    assert!(!csv.contains("9.5"), "{csv}");
}

#[test]
fn predicates_select_series_exactly() {
    let s = store(DATA);
    let (csv, applied) = read(
        &s,
        vec![
            Predicate::Eq("_measurement".into(), "cpu".into()),
            Predicate::Or(vec![
                Predicate::Eq("host".into(), "b".into()),
                Predicate::Matches("_field".into(), Arc::new(regex::Regex::new("^n$").unwrap())),
            ]),
        ],
    );
    assert_eq!(applied, vec![Applied::Exact, Applied::Exact]);
    assert!(csv.contains(",2.5,usage,cpu,b\n"), "{csv}");
    assert!(csv.contains(",3,n,cpu,a\n"), "{csv}");
    assert!(!csv.contains("mem") && !csv.contains("0.5"), "{csv}");
    // A comparison with a missing tag is false, as `filter` treats Flux's null: `!=`
    // drops series without the tag, and keeps the others that differ.
    let (csv, _) = read(&s, vec![Predicate::NotEq("region".into(), "x".into())]);
    assert!(!csv.contains("cpu") && !csv.contains("mem"), "{csv}");
    let (csv, _) = read(&s, vec![Predicate::NotEq("host".into(), "b".into())]);
    assert!(csv.contains("mem") && !csv.contains(",b\n"), "{csv}");
}

#[test]
fn last_write_wins_and_type_conflicts_reject_the_batch() {
    let s = store(DATA);
    let again = parse(b"cpu,host=b usage=4.5 10", Precision::Seconds, 0).unwrap();
    s.write("b", &again).unwrap();
    let (csv, _) = read(&s, vec![Predicate::Eq("host".into(), "b".into())]);
    assert!(
        csv.contains(",4.5,usage,cpu,b\n") && !csv.contains("2.5"),
        "{csv}"
    );

    let bad = parse(
        b"cpu,host=c usage=1 30\ncpu,host=c usage=1i 40",
        Precision::Seconds,
        0,
    )
    .unwrap();
    let err = s.write("b", &bad).unwrap_err();
    assert_eq!(
        err.to_string(),
        "field type conflict: input field \"usage\" on measurement \"cpu\" is type integer, already exists as type float"
    );
    // Nothing of the rejected batch was stored.
    assert_eq!(s.tag_values("b", "host", None).unwrap(), vec!["a", "b"]);
}

#[test]
fn schema_questions_and_buckets() {
    let s = store(DATA);
    assert_eq!(s.measurements("b").unwrap(), vec!["cpu", "mem"]);
    assert_eq!(s.field_keys("b", Some("cpu")).unwrap(), vec!["n", "usage"]);
    assert_eq!(s.tag_keys("b", None).unwrap(), vec!["host"]);
    assert_eq!(s.tag_values("b", "host", Some("mem")).unwrap(), vec!["a"]);
    assert!(matches!(
        s.create_bucket("b", None),
        Err(StorageError::BucketExists(_))
    ));
    assert!(matches!(
        s.create_bucket("_x", None),
        Err(StorageError::InvalidBucketName(..))
    ));
    assert!(matches!(
        s.measurements("nope"),
        Err(StorageError::BucketNotFound(_))
    ));
    s.create_bucket("other", Some(3600 * S)).unwrap();
    let names: Vec<String> = s.buckets().unwrap().into_iter().map(|b| b.name).collect();
    assert_eq!(names, vec!["b", "other"]);
    s.delete_bucket("b").unwrap();
    assert!(matches!(
        s.read(&ReadSpec {
            bucket: "b".into(),
            start: 0,
            stop: 1,
            predicates: vec![]
        }),
        Err(StorageError::BucketNotFound(_))
    ));
}

#[test]
fn a_field_with_two_types_in_one_batch_is_rejected_before_merging_in_both_stores() {
    let dir = std::env::temp_dir().join(format!("fluxi-memtest-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let disk = fluxi_storage::DiskStorage::open(&dir).unwrap();
    let memory = MemoryStorage::new();
    let stores: [&dyn Storage; 2] = [&memory, &disk];
    let options = fluxi_storage::ParseOptions::new(Precision::Seconds, 0);
    for s in stores {
        s.create_bucket("b", None).unwrap();
        // The same series and time: merged, the string would win; InfluxDB rejects it.
        let err = s
            .write_line_protocol("b", b"cpu v=1 10\ncpu v=\"x\" 10\n", &options)
            .unwrap_err();
        assert!(
            err.to_string().contains("input field \"v\" on measurement \"cpu\" is type string, already exists as type float"),
            "{err}"
        );
        assert!(s.measurements("b").unwrap().is_empty());
        // Duplicates of one type merge; the count is of points as written.
        let n = s
            .write_line_protocol("b", b"cpu v=1 10\ncpu v=2 10\n", &options)
            .unwrap();
        assert_eq!(n, 2);
    }
    drop(disk);
    let _ = std::fs::remove_dir_all(&dir);
}
