//! The queries the readers make and how their answers are checked, and [`verify`]: the
//! check of everything stored after the load.

use super::http::{Connection, HttpError};
use super::{
    csv, seq_of, time, time_of, value_of, writer_of, writer_tag, Sent, Shape, Target, WriterLog,
    MEASUREMENT, T0, T_END,
};
use std::collections::BTreeMap;

/// What a reader has seen so far, per writer.
pub(crate) struct Seen {
    pub(crate) count: Vec<u64>,
    pub(crate) last: Vec<Option<u64>>,
}

/// The JSON body of a query asking for annotated CSV with all three annotations.
pub fn query_body(flux: &str) -> String {
    serde_json::json!({
        "query": flux,
        "type": "flux",
        "dialect": {"header": true, "annotations": ["datatype", "group", "default"]},
    })
    .to_string()
}

/// `from |> range` over the writers' whole time range.
fn all_seq(bucket: &str) -> String {
    format!(
        "from(bucket: \"{bucket}\") |> range(start: {}, stop: {}) |> filter(fn: (r) => r._measurement == \"{MEASUREMENT}\" and r._field == \"seq\")",
        time::format(T0),
        time::format(T_END)
    )
}

pub(crate) fn count_query(bucket: &str) -> String {
    format!("{} |> count()", all_seq(bucket))
}

pub(crate) fn last_query(bucket: &str) -> String {
    format!("{} |> last()", all_seq(bucket))
}

/// The points of writer `w`'s batch `b`, or (`from_seq`) only its field `v` from that
/// point on.
pub(crate) fn batch_query(
    bucket: &str,
    shape: &Shape,
    w: usize,
    b: u64,
    from_seq: Option<u64>,
) -> String {
    let first = b * shape.batch as u64;
    let mut q = format!(
        "from(bucket: \"{bucket}\") |> range(start: {}, stop: {}) |> filter(fn: (r) => r._measurement == \"{MEASUREMENT}\" and r.writer == \"{}\")",
        time::format(time_of(first)),
        time::format(time_of(first + shape.batch as u64)),
        writer_tag(w)
    );
    if let Some(k) = from_seq {
        q.push_str(&format!(
            " |> filter(fn: (r) => r._field == \"v\" and r._value >= {:?})",
            value_of(w, k)
        ));
    }
    q
}

/// The value of column `name` in a row of a block.
fn cell<'a>(b: &'a csv::Block, row: &'a [String], name: &str) -> Result<&'a str, String> {
    b.col(name)
        .and_then(|i| row.get(i))
        .map(String::as_str)
        .ok_or_else(|| format!("no column {name} in {:?}", b.columns))
}

/// Per writer, the long `_value` of each row (one row per writer) of a per-writer
/// aggregate, with the row's `_time` when it has one.
fn per_writer(
    blocks: &[csv::Block],
    writers: usize,
) -> Result<BTreeMap<usize, (i64, Option<i64>)>, String> {
    let mut out = BTreeMap::new();
    for b in blocks {
        for row in &b.rows {
            let tag = cell(b, row, "writer")?;
            let w = writer_of(tag)
                .filter(|&w| w < writers)
                .ok_or_else(|| format!("a row of an unknown writer {tag:?}"))?;
            let v: i64 = cell(b, row, "_value")?
                .parse()
                .map_err(|_| format!("writer {tag}: _value is not an integer"))?;
            let t = match b.col("_time") {
                Some(i) => Some(
                    time::parse(&row[i])
                        .ok_or_else(|| format!("writer {tag}: _time {:?}", row[i]))?,
                ),
                None => None,
            };
            if out.insert(w, (v, t)).is_some() {
                return Err(format!("writer {tag} has two rows"));
            }
        }
    }
    Ok(out)
}

/// Checks that `batches` (seen by a query) is a possible number of visible batches of
/// writer `w`.
fn check_bounds(
    what: &str,
    w: usize,
    batches: u64,
    acked_before: &[u64],
    begun_after: &[u64],
    before: u64,
) -> Result<(), String> {
    let tag = writer_tag(w);
    let acked = acked_before.get(w).copied().unwrap_or(0);
    let begun = begun_after.get(w).copied().unwrap_or(0);
    if batches < acked {
        return Err(format!(
            "{what}: writer {tag} shows {batches} batches, but {acked} were acknowledged before the query"
        ));
    }
    if batches > begun {
        return Err(format!(
            "{what}: writer {tag} shows {batches} batches, but only {begun} had been sent"
        ));
    }
    if batches < before {
        return Err(format!(
            "{what}: writer {tag} shows {batches} batches, fewer than the {before} this reader saw before"
        ));
    }
    Ok(())
}

pub(crate) fn check_counts(
    blocks: &[csv::Block],
    shape: &Shape,
    acked_before: &[u64],
    begun_after: &[u64],
    seen: &mut Seen,
) -> Result<(), String> {
    let counts = per_writer(blocks, shape.writers)?;
    let batch = shape.batch as u64;
    for w in 0..shape.writers {
        let n = counts.get(&w).map_or(0, |&(n, _)| n);
        let n = u64::try_from(n).map_err(|_| format!("a negative count {n}"))?;
        if n % batch != 0 {
            return Err(format!(
                "count: writer {} has {n} points, not a whole number of batches of {batch}",
                writer_tag(w)
            ));
        }
        check_bounds(
            "count",
            w,
            n / batch,
            acked_before,
            begun_after,
            seen.count[w] / batch,
        )?;
        seen.count[w] = n;
    }
    Ok(())
}

pub(crate) fn check_lasts(
    blocks: &[csv::Block],
    shape: &Shape,
    acked_before: &[u64],
    begun_after: &[u64],
    seen: &mut Seen,
) -> Result<(), String> {
    let lasts = per_writer(blocks, shape.writers)?;
    let batch = shape.batch as u64;
    for w in 0..shape.writers {
        let tag = writer_tag(w);
        let last = match lasts.get(&w) {
            None => None,
            Some(&(v, t)) => {
                let seq = u64::try_from(v).map_err(|_| format!("last: writer {tag}: seq {v}"))?;
                if t != Some(time_of(seq)) {
                    return Err(format!(
                        "last: writer {tag}: point {seq} at {t:?}, not at {}",
                        time_of(seq)
                    ));
                }
                if (seq + 1) % batch != 0 {
                    return Err(format!(
                        "last: writer {tag}'s last point is {seq}, not the end of a batch of {batch}"
                    ));
                }
                Some(seq)
            }
        };
        let batches = last.map_or(0, |s| (s + 1) / batch);
        let before = seen.last[w].map_or(0, |s| (s + 1) / batch);
        check_bounds("last", w, batches, acked_before, begun_after, before)?;
        seen.last[w] = last;
    }
    Ok(())
}

/// A writer's points as a query answered them: `seq` → (field `seq`, field `v`).
pub type Points = BTreeMap<u64, (Option<i64>, Option<f64>)>;

/// The points of writer `w` in an answer (rows of measurement `load`, tag `writer`, fields
/// `seq` and `v`), each checked: of that writer, at a time of the grid, a field seen once,
/// the right value.
pub fn points_of(blocks: &[csv::Block], w: usize) -> Result<Points, String> {
    let tag = writer_tag(w);
    let mut out: Points = BTreeMap::new();
    for b in blocks {
        for row in &b.rows {
            let m = cell(b, row, "_measurement")?;
            let t = cell(b, row, "writer")?;
            if m != MEASUREMENT || t != tag {
                return Err(format!(
                    "a row of {m:?} writer {t:?} in the answer for writer {tag}"
                ));
            }
            let time_text = cell(b, row, "_time")?;
            let time = time::parse(time_text).ok_or_else(|| format!("_time {time_text:?}"))?;
            let seq = seq_of(time)
                .ok_or_else(|| format!("writer {tag}: a point at {time_text}, off the grid"))?;
            let value = cell(b, row, "_value")?;
            let entry = out.entry(seq).or_default();
            let twice = || format!("writer {tag}: point {seq} ({time_text}) appears twice");
            match cell(b, row, "_field")? {
                "seq" => {
                    let v: i64 = value
                        .parse()
                        .map_err(|_| format!("writer {tag} point {seq}: seq {value:?}"))?;
                    if i64::try_from(seq).ok() != Some(v) {
                        return Err(format!("writer {tag}: point {seq} has seq {v}"));
                    }
                    if entry.0.replace(v).is_some() {
                        return Err(twice());
                    }
                }
                "v" => {
                    let v: f64 = value
                        .parse()
                        .map_err(|_| format!("writer {tag} point {seq}: v {value:?}"))?;
                    if v != value_of(w, seq) {
                        return Err(format!(
                            "writer {tag}: point {seq} has v {v}, not {}",
                            value_of(w, seq)
                        ));
                    }
                    if entry.1.replace(v).is_some() {
                        return Err(twice());
                    }
                }
                other => return Err(format!("writer {tag}: point {seq} has a field {other:?}")),
            }
        }
    }
    Ok(out)
}

/// Checks that an answer holds exactly writer `w`'s points `want`, both fields
/// (`both`) or only `v`.
pub(crate) fn check_points(
    blocks: &[csv::Block],
    w: usize,
    want: std::ops::Range<u64>,
    both: bool,
) -> Result<(), String> {
    let points = points_of(blocks, w)?;
    let tag = writer_tag(w);
    let keys: Vec<u64> = points.keys().copied().collect();
    let expected: Vec<u64> = want.collect();
    if keys != expected {
        return Err(format!(
            "writer {tag}: points {:?}..={:?} ({}), expected {:?}..={:?} ({})",
            keys.first(),
            keys.last(),
            keys.len(),
            expected.first(),
            expected.last(),
            expected.len()
        ));
    }
    for (seq, (s, v)) in &points {
        if v.is_none() || s.is_some() != both {
            return Err(format!(
                "writer {tag}: point {seq} has fields seq {s:?}, v {v:?}"
            ));
        }
    }
    Ok(())
}

/// What [`verify`] found.
#[derive(Debug, Clone, Default)]
pub struct Verified {
    /// Batches present (acknowledged ones and those that got no answer but were stored).
    pub batches: u64,
    /// Batches that got no answer: stored (whole), and not stored.
    pub unanswered_stored: u64,
    pub unanswered_absent: u64,
    /// Field values in the whole bucket.
    pub values: u64,
}

/// Queries everything the writers wrote and checks it against what they were told:
/// every acknowledged batch is there exactly once, whole, with the right values; a batch
/// that got no answer is there whole or not at all; nothing else is there (no other
/// point, field, measurement or writer). Returns what it found, or every problem.
pub fn verify(
    conn: &mut Connection,
    target: &Target,
    shape: &Shape,
    writers: &[WriterLog],
) -> Result<Verified, Vec<String>> {
    let mut problems = Vec::new();
    let mut found = Verified::default();
    let path = format!("/api/v2/query?org={}", target.org);
    let auth = format!("Token {}", target.token);
    let headers = [
        ("Authorization", auth.as_str()),
        ("Content-Type", "application/json"),
    ];
    let ask = |conn: &mut Connection, flux: &str| -> Result<Vec<csv::Block>, String> {
        let a = conn
            .request("POST", &path, &headers, query_body(flux).as_bytes())
            .map_err(|e: HttpError| format!("{flux}: {e}"))?;
        if a.status != 200 {
            return Err(format!("{flux}: answered {}: {}", a.status, a.text()));
        }
        csv::parse(&a.body).map_err(|e| format!("{flux}: {e}"))
    };
    let batch = shape.batch as u64;
    let mut expected_points = 0u64;
    for log in writers {
        let w = log.writer;
        let tag = writer_tag(w);
        let flux = format!(
            "from(bucket: \"{}\") |> range(start: {}, stop: {}) |> filter(fn: (r) => r.writer == \"{tag}\") |> keep(columns: [\"_time\", \"_value\", \"_field\", \"_measurement\", \"writer\"])",
            target.bucket,
            time::format(T0),
            time::format(T_END)
        );
        let points = match ask(conn, &flux).and_then(|b| points_of(&b, w)) {
            Ok(p) => p,
            Err(e) => {
                problems.push(e);
                continue;
            }
        };
        let mut present: BTreeMap<u64, u64> = BTreeMap::new();
        for (seq, (s, v)) in &points {
            if s.is_none() || v.is_none() {
                problems.push(format!(
                    "writer {tag}: point {seq} has fields seq {s:?}, v {v:?} (a torn point)"
                ));
            }
            *present.entry(seq / batch).or_default() += 1;
        }
        for (&b, &n) in &present {
            let outcome = log.batches.get(usize::try_from(b).unwrap_or(usize::MAX));
            match outcome {
                None => problems.push(format!(
                    "writer {tag}: batch {b} was never sent, yet {n} of its points are stored"
                )),
                Some(Sent::NotSent(why)) => problems.push(format!(
                    "writer {tag}: batch {b} could not be sent ({why}), yet {n} of its points are stored"
                )),
                Some(Sent::Acknowledged) if n != batch => problems.push(format!(
                    "writer {tag}: acknowledged batch {b} has {n} of its {batch} points"
                )),
                Some(Sent::NoAnswer(_)) if n != batch => problems.push(format!(
                    "writer {tag}: batch {b}, in flight at the kill, is torn: {n} of its {batch} points are stored"
                )),
                Some(Sent::NoAnswer(_)) => found.unanswered_stored += 1,
                _ => {}
            }
            found.batches += 1;
            expected_points += n;
        }
        for (b, outcome) in log.batches.iter().enumerate() {
            let stored = present.contains_key(&(b as u64));
            match outcome {
                Sent::Acknowledged if !stored => problems.push(format!(
                    "writer {tag}: acknowledged batch {b} (points {}..{}) is LOST",
                    b as u64 * batch,
                    (b as u64 + 1) * batch
                )),
                Sent::NoAnswer(_) if !stored => found.unanswered_absent += 1,
                _ => {}
            }
        }
    }
    // Nothing else: every value of the bucket, at any time, is one of those above.
    let flux = format!(
        "from(bucket: \"{}\") |> range(start: 1677-09-22T00:00:00Z, stop: 2262-04-11T00:00:00Z) |> count() |> group() |> sum()",
        target.bucket
    );
    match ask(conn, &flux) {
        Ok(blocks) => {
            let values: Vec<&String> = blocks
                .iter()
                .flat_map(|b| b.col("_value").map(|i| b.rows.iter().map(move |r| &r[i])))
                .flatten()
                .collect();
            let total = match values.as_slice() {
                [] => Ok(0),
                [one] => one.parse::<u64>().map_err(|_| format!("{flux}: {one:?}")),
                more => Err(format!("{flux}: {} rows", more.len())),
            };
            match total {
                Ok(t) => {
                    found.values = t;
                    if t != expected_points * 2 {
                        problems.push(format!(
                            "the bucket holds {t} values, but the writers' points account for {} ({} points × 2 fields): something else is stored",
                            expected_points * 2,
                            expected_points
                        ));
                    }
                }
                Err(e) => problems.push(e),
            }
        }
        Err(e) => problems.push(e),
    }
    if problems.is_empty() {
        Ok(found)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHAPE: Shape = Shape {
        writers: 2,
        readers: 0,
        batch: 10,
        checkpoint_every: None,
    };

    /// An answer of per-writer rows (`writer`, `_value`, and `_time` when given).
    fn per_writer_answer(rows: &[(&str, i64, Option<i64>)]) -> Vec<csv::Block> {
        let mut columns = vec![
            "result".to_string(),
            "table".into(),
            "writer".into(),
            "_value".into(),
        ];
        let mut types = vec![
            "string".to_string(),
            "long".into(),
            "string".into(),
            "long".into(),
        ];
        if rows.iter().any(|r| r.2.is_some()) {
            columns.push("_time".into());
            types.push("dateTime:RFC3339".into());
        }
        let rows = rows
            .iter()
            .enumerate()
            .map(|(i, (w, v, t))| {
                let mut r = vec![
                    "_result".to_string(),
                    i.to_string(),
                    w.to_string(),
                    v.to_string(),
                ];
                if let Some(t) = t {
                    r.push(time::format(*t));
                }
                r
            })
            .collect();
        vec![csv::Block {
            columns,
            types,
            rows,
        }]
    }

    fn seen() -> Seen {
        Seen {
            count: vec![0; 2],
            last: vec![None; 2],
        }
    }

    #[test]
    fn counts_must_be_whole_batches_between_acknowledged_and_sent_and_never_go_back() {
        let mut s = seen();
        let ok = per_writer_answer(&[("w00", 20, None), ("w01", 10, None)]);
        assert!(check_counts(&ok, &SHAPE, &[2, 1], &[3, 1], &mut s).is_ok());
        assert_eq!(s.count, vec![20, 10]);
        // A torn batch.
        let torn = per_writer_answer(&[("w00", 25, None)]);
        assert!(check_counts(&torn, &SHAPE, &[0, 0], &[3, 3], &mut seen()).is_err());
        // An acknowledged batch missing.
        let missing = per_writer_answer(&[("w00", 10, None)]);
        assert!(check_counts(&missing, &SHAPE, &[2, 0], &[3, 3], &mut seen()).is_err());
        // More than was sent.
        let more = per_writer_answer(&[("w00", 40, None)]);
        assert!(check_counts(&more, &SHAPE, &[0, 0], &[3, 3], &mut seen()).is_err());
        // Going back from what this reader saw.
        let back = per_writer_answer(&[("w00", 10, None), ("w01", 10, None)]);
        assert!(check_counts(&back, &SHAPE, &[0, 0], &[3, 3], &mut s).is_err());
        // An unknown writer, a writer twice.
        let unknown = per_writer_answer(&[("w05", 10, None)]);
        assert!(check_counts(&unknown, &SHAPE, &[0, 0], &[3, 3], &mut seen()).is_err());
        let twice = per_writer_answer(&[("w00", 10, None), ("w00", 10, None)]);
        assert!(check_counts(&twice, &SHAPE, &[0, 0], &[3, 3], &mut seen()).is_err());
    }

    #[test]
    fn last_points_must_end_a_batch_at_their_time() {
        let ok = per_writer_answer(&[("w00", 19, Some(time_of(19)))]);
        assert!(check_lasts(&ok, &SHAPE, &[2, 0], &[2, 0], &mut seen()).is_ok());
        let mid = per_writer_answer(&[("w00", 15, Some(time_of(15)))]);
        assert!(check_lasts(&mid, &SHAPE, &[0, 0], &[2, 0], &mut seen()).is_err());
        let moved = per_writer_answer(&[("w00", 19, Some(time_of(18)))]);
        assert!(check_lasts(&moved, &SHAPE, &[0, 0], &[2, 0], &mut seen()).is_err());
        let lost = per_writer_answer(&[("w00", 9, Some(time_of(9)))]);
        assert!(check_lasts(&lost, &SHAPE, &[2, 0], &[2, 0], &mut seen()).is_err());
    }

    /// The rows of writer `w`'s points (both fields).
    fn points_answer(w: usize, seqs: impl Iterator<Item = u64>) -> Vec<csv::Block> {
        let columns: Vec<String> = [
            "result",
            "table",
            "_time",
            "_value",
            "_field",
            "_measurement",
            "writer",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let row = |table: &str, seq: u64, field: &str, value: String| {
            vec![
                "_result".to_string(),
                table.to_string(),
                time::format(time_of(seq)),
                value,
                field.to_string(),
                MEASUREMENT.to_string(),
                writer_tag(w),
            ]
        };
        let seqs: Vec<u64> = seqs.collect();
        let block = |types: &str, rows: Vec<Vec<String>>| csv::Block {
            columns: columns.clone(),
            types: [
                "string",
                "long",
                "dateTime:RFC3339",
                types,
                "string",
                "string",
                "string",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
            rows,
        };
        vec![
            block(
                "long",
                seqs.iter()
                    .map(|&s| row("0", s, "seq", s.to_string()))
                    .collect(),
            ),
            block(
                "double",
                seqs.iter()
                    .map(|&s| row("1", s, "v", value_of(w, s).to_string()))
                    .collect(),
            ),
        ]
    }

    #[test]
    fn points_are_checked_one_by_one() {
        let good = points_answer(1, 10..20);
        assert!(check_points(&good, 1, 10..20, true).is_ok());
        assert_eq!(points_of(&good, 1).map(|p| p.len()), Ok(10));
        // Another writer's, a missing point, an extra point.
        assert!(check_points(&good, 0, 10..20, true).is_err());
        assert!(check_points(&points_answer(1, 10..19), 1, 10..20, true).is_err());
        assert!(check_points(&points_answer(1, 10..21), 1, 10..20, true).is_err());
        // A point twice.
        let mut twice = points_answer(1, 10..20);
        let again = twice[0].rows[0].clone();
        twice[0].rows.push(again);
        assert!(points_of(&twice, 1).is_err());
        // A wrong value, a time off the grid, a field of its own.
        let mut wrong = points_answer(1, 10..20);
        wrong[1].rows[3][3] = "0.25".into();
        assert!(points_of(&wrong, 1).is_err());
        let mut off = points_answer(1, 10..20);
        off[0].rows[3][2] = time::format(time_of(13) + 1);
        assert!(points_of(&off, 1).is_err());
        let mut field = points_answer(1, 10..20);
        field[1].rows[0][4] = "w".into();
        assert!(points_of(&field, 1).is_err());
        // Only `v` asked for, but `seq` there too.
        assert!(check_points(&good, 1, 10..20, false).is_err());
    }
}
