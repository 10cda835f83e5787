//! Property test: for random writes (every field type, duplicates and overwrites, type
//! conflicts, several buckets, negative times, several partitions), the disk store
//! answers every read, aggregate and schema question exactly as the memory store does:
//! with everything in the buffer, after a flush, with files and buffer mixed, after
//! reopening, and after compaction.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod disk_util;

use disk_util::{all_aggregates, read_csv, read_each_csv, schema, Scratch};
use fluxi_storage::line_protocol::{to_line, FieldValue, ParseOptions, Point, Precision};
use fluxi_storage::{DiskOptions, DiskStorage, MemoryStorage, Predicate, Storage};
use proptest::prelude::*;
use std::sync::Arc;

const BUCKETS: [&str; 2] = ["one", "two"];

fn field_value(name: &'static str) -> BoxedStrategy<FieldValue> {
    let float = prop_oneof![
        (-1000i32..1000).prop_map(|x| f64::from(x) / 8.0),
        Just(0.0),
        Just(-0.0),
        Just(1e300),
        Just(-2.5e-300),
    ]
    .prop_map(FieldValue::Float);
    match name {
        "f" => float.boxed(),
        "i" => prop_oneof![(-50i64..50), Just(i64::MAX), Just(i64::MIN),]
            .prop_map(FieldValue::Int)
            .boxed(),
        "u" => prop_oneof![(0u64..50), Just(u64::MAX)]
            .prop_map(FieldValue::UInt)
            .boxed(),
        "s" => "[a-c \",=\\\\]{0,4}".prop_map(FieldValue::String).boxed(),
        "b" => any::<bool>().prop_map(FieldValue::Bool).boxed(),
        // A field whose type varies: batches writing it may conflict.
        _ => prop_oneof![
            float,
            (-5i64..5).prop_map(FieldValue::Int),
            any::<bool>().prop_map(FieldValue::Bool),
        ]
        .boxed(),
    }
}

fn point() -> impl Strategy<Value = Point> {
    let fields = proptest::sample::subsequence(vec!["b", "f", "i", "s", "u", "x"], 1..4)
        .prop_flat_map(|names| {
            names
                .into_iter()
                .map(|n| field_value(n).prop_map(move |v| (n.to_string(), v)))
                .collect::<Vec<_>>()
        });
    (
        prop_oneof![Just("cpu"), Just("mem")],
        proptest::option::of(0..3u8),
        proptest::option::of(0..2u8),
        fields,
        -20i64..60,
    )
        .prop_map(|(m, host, dc, fields, time)| {
            let mut tags = Vec::new();
            if let Some(d) = dc {
                tags.push(("dc".to_string(), format!("d{d}")));
            }
            if let Some(h) = host {
                tags.push(("host".to_string(), format!("h{h}")));
            }
            Point {
                measurement: m.to_string(),
                tags,
                fields,
                time,
            }
        })
}

/// A batch: its bucket, its points, and whether it goes as line protocol.
fn batch() -> impl Strategy<Value = (usize, Vec<Point>, bool)> {
    (
        0..2usize,
        proptest::collection::vec(point(), 1..8),
        any::<bool>(),
    )
}

fn write_both(
    d: &DiskStorage,
    m: &MemoryStorage,
    (bucket, points, lp): &(usize, Vec<Point>, bool),
) {
    let bucket = BUCKETS[*bucket];
    // Line protocol only without the field of varying type: the memory store merges
    // duplicate lines before checking types, the disk store checks every line as written.
    let as_lp = *lp && points.iter().all(|p| p.field("x").is_none());
    let (a, b) = if as_lp {
        let text: String = points.iter().map(|p| to_line(p) + "\n").collect();
        let opts = ParseOptions::new(Precision::Nanoseconds, 0);
        (
            d.write_line_protocol(bucket, text.as_bytes(), &opts)
                .map(|_| ()),
            m.write_line_protocol(bucket, text.as_bytes(), &opts)
                .map(|_| ()),
        )
    } else {
        (
            d.write(bucket, points).map(|_| ()),
            m.write(bucket, points).map(|_| ()),
        )
    };
    assert_eq!(a, b, "{points:?}");
}

fn predicates() -> Vec<Vec<Predicate>> {
    vec![
        vec![],
        vec![
            Predicate::Eq("_measurement".into(), "cpu".into()),
            Predicate::NotEq("host".into(), "h1".into()),
        ],
        vec![Predicate::Or(vec![
            Predicate::Eq("dc".into(), "d0".into()),
            Predicate::Matches(
                "_field".into(),
                Arc::new(regex::Regex::new("^[fiu]").unwrap()),
            ),
        ])],
    ]
}

fn assert_same(d: &DiskStorage, m: &MemoryStorage, what: &str) {
    for bucket in BUCKETS {
        for (start, stop) in [(-100, 100), (-7, 33), (16, 17)] {
            for p in predicates() {
                assert_eq!(
                    read_csv(d, bucket, start, stop, p.clone()),
                    read_csv(m, bucket, start, stop, p.clone()),
                    "{what}: read {bucket} [{start}, {stop}) {p:?}"
                );
                // Streamed in chunks of two values: the same tables in the same order.
                assert_eq!(
                    read_each_csv(d, bucket, start, stop, p.clone()),
                    read_csv(m, bucket, start, stop, p.clone()),
                    "{what}: streamed read {bucket} [{start}, {stop}) {p:?}"
                );
                assert_eq!(
                    all_aggregates(d, bucket, start, stop, &p, 7),
                    all_aggregates(m, bucket, start, stop, &p, 7),
                    "{what}: aggregates {bucket} [{start}, {stop}) {p:?}"
                );
            }
        }
        assert_eq!(schema(d, bucket), schema(m, bucket), "{what}: schema");
    }
}

fn options() -> DiskOptions {
    DiskOptions {
        buffer_rows: 1_000_000,
        // Partitions of 16 ns: the times written span six of them.
        partition_duration: 16,
        row_group_rows: 3,
        compact_after: 0,
        read_threads: 2,
        read_chunk_values: 2,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn the_disk_store_answers_as_the_memory_store(
        first in proptest::collection::vec(batch(), 1..5),
        second in proptest::collection::vec(batch(), 0..4),
        third in proptest::collection::vec(batch(), 0..3),
    ) {
        let dir = Scratch::new("prop");
        let m = MemoryStorage::new();
        let d = DiskStorage::open_with(dir.path(), options()).unwrap();
        for b in BUCKETS {
            m.create_bucket(b, None).unwrap();
            d.create_bucket(b, None).unwrap();
        }
        for b in &first {
            write_both(&d, &m, b);
        }
        assert_same(&d, &m, "buffer");
        d.flush().unwrap();
        assert_same(&d, &m, "flushed");
        for b in &second {
            write_both(&d, &m, b);
        }
        d.flush().unwrap();
        for b in &third {
            write_both(&d, &m, b);
        }
        assert_same(&d, &m, "files and buffer");
        drop(d);
        let d = DiskStorage::open_with(dir.path(), options()).unwrap();
        assert_same(&d, &m, "reopened");
        d.compact().unwrap();
        assert_same(&d, &m, "compacted");
        drop(d);
        let d = DiskStorage::open_with(dir.path(), options()).unwrap();
        assert_same(&d, &m, "compacted and reopened");
    }
}
