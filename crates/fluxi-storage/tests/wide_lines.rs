//! A line with tens of thousands of fields is stored in time linear in its fields (it
//! took 5.7 s for 40,000, quadratic, when every field was looked up by a linear search).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test harness code

mod disk_util;

use disk_util::Scratch;
use fluxi_storage::line_protocol::{ParseOptions, Precision};
use fluxi_storage::{DiskStorage, Storage};
use std::time::{Duration, Instant};

fn write_wide(fields: usize) -> Duration {
    let dir = Scratch::new("wide");
    let store = DiskStorage::open(&dir.path).expect("open");
    store.create_bucket("b", None).expect("bucket");
    let line: Vec<String> = (0..fields).map(|i| format!("f{i}={i}")).collect();
    let text = format!("cpu {} 1\n", line.join(","));
    let start = Instant::now();
    let n = store
        .write_line_protocol(
            "b",
            text.as_bytes(),
            &ParseOptions::new(Precision::Nanoseconds, 0),
        )
        .expect("written");
    let took = start.elapsed();
    assert_eq!(n, 1);
    let keys = store.field_keys("b", None).expect("field keys");
    assert_eq!(keys.len(), fields);
    took
}

#[test]
fn many_fields_on_one_line_cost_about_linear_time() {
    let small = (0..3).map(|_| write_wide(5_000)).min().unwrap_or_default();
    let large = (0..3).map(|_| write_wide(20_000)).min().unwrap_or_default();
    let ratio = large.as_secs_f64() / small.as_secs_f64().max(1e-4);
    // Linear is ×4, the old quadratic ×16; the bound leaves room for a loaded machine.
    assert!(
        ratio < 10.0,
        "5,000 fields: {small:?}, 20,000: {large:?} (×{ratio:.1})"
    );
}
