//! Prometheus' text exposition format (version 0.0.4), read into the metrics
//! `prometheus.scrape` turns into rows: one per counter, gauge or untyped sample; a
//! summary's count, sum and quantiles; a histogram's count, sum and cumulative buckets.
//!
//! A sample belongs to the family its `# TYPE` line declares: `NAME` for every type,
//! `NAME_sum` and `NAME_count` of a summary or histogram, `NAME_bucket` of a histogram.
//! A sample of no declared family is an untyped family of its own name.

use std::collections::{BTreeMap, HashMap};

/// A line that is not in the format: its number (from 1) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// One row of the scrape: the field (a metric name), its labels, its value and the
/// sample's own time in milliseconds, if it has one.
#[derive(Debug, Clone, PartialEq)]
pub struct Metric {
    pub field: String,
    pub labels: BTreeMap<String, String>,
    pub value: f64,
    pub timestamp_ms: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Counter,
    Gauge,
    Summary,
    Histogram,
    Untyped,
}

impl Kind {
    fn parse(text: &str) -> Option<Kind> {
        Some(match text {
            "counter" => Kind::Counter,
            "gauge" => Kind::Gauge,
            "summary" => Kind::Summary,
            "histogram" => Kind::Histogram,
            "untyped" => Kind::Untyped,
            _ => return None,
        })
    }
}

/// A summary's or histogram's samples of one label set.
#[derive(Default)]
struct Compound {
    labels: BTreeMap<String, String>,
    count: Option<f64>,
    sum: Option<f64>,
    /// `(quantile or upper bound, value)` in the order read.
    points: Vec<(f64, f64)>,
    timestamp_ms: Option<i64>,
}

struct Family {
    kind: Kind,
    /// Whether a sample of it has been read (a `# TYPE` line must come before them).
    sampled: bool,
    /// Counter, gauge and untyped samples.
    simple: Vec<Metric>,
    compound: Vec<Compound>,
}

impl Family {
    fn new(kind: Kind) -> Family {
        Family {
            kind,
            sampled: false,
            simple: Vec::new(),
            compound: Vec::new(),
        }
    }
}

/// Read a scrape into its metrics, families in the order of their names and each
/// family's metrics in the order read. NaN values of counters, gauges, untyped samples
/// and summary quantiles are left out, as upstream does.
pub fn parse(text: &str) -> Result<Vec<Metric>, ParseError> {
    let mut families: HashMap<String, Family> = HashMap::new();
    for (i, raw) in text.split('\n').enumerate() {
        let line_no = i + 1;
        let err = |message: String| ParseError {
            line: line_no,
            message,
        };
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        let trimmed = line.trim_start_matches([' ', '\t']);
        if trimmed.trim_end().is_empty() {
            continue;
        }
        if let Some(comment) = trimmed.strip_prefix('#') {
            let mut words = comment.split_whitespace();
            match words.next() {
                Some("TYPE") => {
                    let name = words
                        .next()
                        .ok_or_else(|| err("a TYPE line without a metric name".into()))?;
                    check_name(name).map_err(err)?;
                    let kind_text = words
                        .next()
                        .ok_or_else(|| err(format!("the TYPE line of {name} has no type")))?;
                    let kind = Kind::parse(kind_text).ok_or_else(|| {
                        err(format!(
                            "unknown metric type {kind_text:?} (counter, gauge, summary, histogram or untyped)"
                        ))
                    })?;
                    if words.next().is_some() {
                        return Err(err(format!(
                            "the TYPE line of {name} has words after the type"
                        )));
                    }
                    match families.get(name) {
                        Some(f) if f.sampled => {
                            return Err(err(format!("TYPE line for {name} after its samples")))
                        }
                        Some(_) => return Err(err(format!("second TYPE line for {name}"))),
                        None => {
                            families.insert(name.to_string(), Family::new(kind));
                        }
                    }
                }
                Some("HELP") => {
                    let name = words
                        .next()
                        .ok_or_else(|| err("a HELP line without a metric name".into()))?;
                    check_name(name).map_err(err)?;
                }
                _ => {} // a comment
            }
            continue;
        }
        let sample = sample(trimmed).map_err(err)?;
        add(&mut families, sample).map_err(err)?;
    }
    let mut names: Vec<&String> = families.keys().collect();
    names.sort();
    let mut out = Vec::new();
    for name in names {
        let family = &families[name];
        out.extend(family.simple.iter().filter(|m| !m.value.is_nan()).cloned());
        for c in &family.compound {
            let (label, skip_nan) = match family.kind {
                Kind::Summary => ("quantile", true),
                _ => ("le", false),
            };
            let metric = |field: String, labels: BTreeMap<String, String>, value: f64| Metric {
                field,
                labels,
                value,
                timestamp_ms: c.timestamp_ms,
            };
            out.push(metric(
                format!("{name}_count"),
                c.labels.clone(),
                c.count.unwrap_or(0.0),
            ));
            out.push(metric(
                format!("{name}_sum"),
                c.labels.clone(),
                c.sum.unwrap_or(0.0),
            ));
            for &(bound, value) in &c.points {
                if skip_nan && value.is_nan() {
                    continue;
                }
                let mut labels = c.labels.clone();
                labels.insert(label.to_string(), go_float(bound));
                out.push(metric(name.clone(), labels, value));
            }
        }
    }
    Ok(out)
}

/// A sample line as read.
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
    timestamp_ms: Option<i64>,
}

/// Which family a sample belongs to, and as what part of it.
enum Part {
    Value,
    Sum,
    Count,
    Bucket,
}

fn add(families: &mut HashMap<String, Family>, s: Sample) -> Result<(), String> {
    let mut target = None;
    if families.contains_key(&s.name) {
        target = Some((s.name.clone(), Part::Value));
    } else {
        for (suffix, part, kinds) in [
            ("_sum", Part::Sum, &[Kind::Summary, Kind::Histogram][..]),
            ("_count", Part::Count, &[Kind::Summary, Kind::Histogram][..]),
            ("_bucket", Part::Bucket, &[Kind::Histogram][..]),
        ] {
            if let Some(base) = s.name.strip_suffix(suffix) {
                if families.get(base).is_some_and(|f| kinds.contains(&f.kind)) {
                    target = Some((base.to_string(), part));
                    break;
                }
            }
        }
    }
    let (family_name, part) = match target {
        Some(t) => t,
        None => {
            families.insert(s.name.clone(), Family::new(Kind::Untyped));
            (s.name.clone(), Part::Value)
        }
    };
    let Some(family) = families.get_mut(&family_name) else {
        return Err(format!("no family {family_name}"));
    };
    family.sampled = true;
    match family.kind {
        Kind::Counter | Kind::Gauge | Kind::Untyped => {
            family.simple.push(Metric {
                field: family_name,
                labels: s.labels,
                value: s.value,
                timestamp_ms: s.timestamp_ms,
            });
        }
        Kind::Summary | Kind::Histogram => {
            let (label, what) = match family.kind {
                Kind::Summary => ("quantile", "summary"),
                _ => ("le", "histogram"),
            };
            let mut labels = s.labels;
            let bound = match part {
                Part::Value if family.kind == Kind::Histogram => {
                    return Err(format!(
                        "{} is a histogram: its samples are {family_name}_bucket, _sum and _count",
                        family_name
                    ))
                }
                Part::Value | Part::Bucket => {
                    let text = labels.remove(label).ok_or_else(|| {
                        format!("a sample of {what} {family_name} without the label {label:?}")
                    })?;
                    Some(parse_float(&text).ok_or_else(|| {
                        format!("the {label} label of {family_name} is not a number: {text:?}")
                    })?)
                }
                Part::Sum | Part::Count => None,
            };
            let index = match family.compound.iter().position(|c| c.labels == labels) {
                Some(i) => i,
                None => {
                    family.compound.push(Compound {
                        labels,
                        ..Compound::default()
                    });
                    family.compound.len() - 1
                }
            };
            let c = &mut family.compound[index];
            if s.timestamp_ms.is_some() {
                c.timestamp_ms = s.timestamp_ms;
            }
            match (part, bound) {
                (Part::Sum, _) => c.sum = Some(s.value),
                (Part::Count, _) => c.count = Some(s.value),
                (_, Some(b)) => c.points.push((b, s.value)),
                (_, None) => {}
            }
        }
    }
    Ok(())
}

fn is_name_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_' || c == ':'
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == ':'
}

fn check_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    match chars.next() {
        Some(c) if is_name_start(c) && chars.all(is_name_char) => Ok(()),
        _ => Err(format!("{name:?} is not a metric name")),
    }
}

/// `name{label="value",...} value [timestamp]`.
fn sample(line: &str) -> Result<Sample, String> {
    let name_end = line
        .char_indices()
        .find(|&(i, c)| {
            !(if i == 0 {
                is_name_start(c)
            } else {
                is_name_char(c)
            })
        })
        .map_or(line.len(), |(i, _)| i);
    if name_end == 0 {
        return Err(format!("{line:?} does not start with a metric name"));
    }
    let name = &line[..name_end];
    let mut rest = line[name_end..].trim_start_matches([' ', '\t']);
    let mut labels = BTreeMap::new();
    if let Some(after) = rest.strip_prefix('{') {
        rest = read_labels(after, name, &mut labels)?;
    }
    let mut words = rest.split([' ', '\t']).filter(|w| !w.is_empty());
    let value_text = words
        .next()
        .ok_or_else(|| format!("the sample of {name} has no value"))?;
    let value = parse_float(value_text)
        .ok_or_else(|| format!("the value of {name} is not a number: {value_text:?}"))?;
    let timestamp_ms = match words.next() {
        None => None,
        Some(t) => Some(
            t.parse::<i64>()
                .map_err(|_| format!("the timestamp of {name} is not an integer: {t:?}"))?,
        ),
    };
    if let Some(extra) = words.next() {
        return Err(format!("unexpected {extra:?} after the sample of {name}"));
    }
    Ok(Sample {
        name: name.to_string(),
        labels,
        value,
        timestamp_ms,
    })
}

/// The labels after `{`, up to and including `}`; what follows is returned.
fn read_labels<'a>(
    mut text: &'a str,
    metric: &str,
    labels: &mut BTreeMap<String, String>,
) -> Result<&'a str, String> {
    loop {
        text = text.trim_start_matches([' ', '\t']);
        if let Some(rest) = text.strip_prefix('}') {
            return Ok(rest);
        }
        let end = text
            .char_indices()
            .find(|&(i, c)| {
                !(if i == 0 {
                    c.is_ascii_alphabetic() || c == '_'
                } else {
                    c.is_ascii_alphanumeric() || c == '_'
                })
            })
            .map_or(text.len(), |(i, _)| i);
        if end == 0 {
            return Err(format!("a label of {metric} has no valid name"));
        }
        let label = &text[..end];
        text = text[end..].trim_start_matches([' ', '\t']);
        text = text
            .strip_prefix('=')
            .ok_or_else(|| format!("label {label:?} of {metric} has no '='"))?
            .trim_start_matches([' ', '\t']);
        text = text
            .strip_prefix('"')
            .ok_or_else(|| format!("the value of label {label:?} of {metric} is not quoted"))?;
        let mut value = String::new();
        let mut chars = text.char_indices();
        let mut closed = None;
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => {
                    closed = Some(i + 1);
                    break;
                }
                '\\' => match chars.next() {
                    Some((_, '\\')) => value.push('\\'),
                    Some((_, '"')) => value.push('"'),
                    Some((_, 'n')) => value.push('\n'),
                    Some((_, other)) => {
                        return Err(format!(
                        "the value of label {label:?} of {metric} has an unknown escape \\{other}"
                    ))
                    }
                    None => break,
                },
                c => value.push(c),
            }
        }
        let Some(after) = closed else {
            return Err(format!(
                "the value of label {label:?} of {metric} is not closed"
            ));
        };
        if labels.insert(label.to_string(), value).is_some() {
            return Err(format!(
                "label {label:?} appears twice in a sample of {metric}"
            ));
        }
        text = text[after..].trim_start_matches([' ', '\t']);
        if let Some(rest) = text.strip_prefix(',') {
            text = rest;
        } else if !text.starts_with('}') {
            return Err(format!(
                "expected ',' or '}}' after label {label:?} of {metric}"
            ));
        }
    }
}

/// A number as Prometheus writes them: decimal, `NaN`, `+Inf`, `-Inf` (Go's ParseFloat,
/// without hexadecimal or underscores).
fn parse_float(text: &str) -> Option<f64> {
    if text.contains(['p', 'P', '_', 'x', 'X']) {
        return None;
    }
    text.parse::<f64>().ok()
}

/// A float as Go's `fmt.Sprint` writes it (the text of the `le` and `quantile` tags
/// upstream): the shortest digits, in exponent form (`1e+06`, `1e-05`) when the decimal
/// exponent is below -4 or 6 and over; `+Inf`, `-Inf`, `NaN`.
pub fn go_float(v: f64) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "+Inf" } else { "-Inf" }.into();
    }
    if v == 0.0 {
        return if v.is_sign_negative() { "-0" } else { "0" }.into();
    }
    // Rust's `{:e}` gives the shortest round-trip digits: `-1.2345e-7`.
    let sci = format!("{v:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => ("-", m),
        None => ("", mantissa),
    };
    if !(-4..6).contains(&exp) {
        let es = if exp < 0 { '-' } else { '+' };
        return format!("{sign}{mantissa}e{es}{:02}", exp.abs());
    }
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let point = exp + 1; // digits before the decimal point
    let text = if point <= 0 {
        format!("0.{}{digits}", "0".repeat(point.unsigned_abs() as usize))
    } else if point as usize >= digits.len() {
        format!("{digits}{}", "0".repeat(point as usize - digits.len()))
    } else {
        let (int, frac) = digits.split_at(point as usize);
        format!("{int}.{frac}")
    };
    format!("{sign}{text}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_as_go_prints_them() {
        // Checked against Go 1.19's fmt.Sprint.
        for (v, text) in [
            (0.005, "0.005"),
            (0.5, "0.5"),
            (1.0, "1"),
            (2.5, "2.5"),
            (10.0, "10"),
            (100000.0, "100000"),
            (1000000.0, "1e+06"),
            (1.5e6, "1.5e+06"),
            (123456789.0, "1.23456789e+08"),
            (1e21, "1e+21"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1.25e-7, "1.25e-07"),
            (f64::INFINITY, "+Inf"),
            (f64::NEG_INFINITY, "-Inf"),
            (0.99, "0.99"),
            (-2.5, "-2.5"),
            (1e100, "1e+100"),
        ] {
            assert_eq!(go_float(v), text, "{v}");
        }
    }

    fn find<'a>(ms: &'a [Metric], field: &str, label: Option<(&str, &str)>) -> &'a Metric {
        ms.iter()
            .find(|m| {
                m.field == field
                    && label.is_none_or(|(k, v)| m.labels.get(k).map(String::as_str) == Some(v))
            })
            .unwrap_or_else(|| panic!("no {field} {label:?} in {ms:?}"))
    }

    #[test]
    fn every_kind_of_family() {
        let text = "# HELP http_requests_total Requests.\n\
            # TYPE http_requests_total counter\n\
            http_requests_total{method=\"post\",code=\"200\"} 1027 1395066363000\n\
            http_requests_total{method=\"get\",code=\"400\"}    3\n\
            \n\
            # a comment\n\
            temperature{room=\"a \\\"b\\\" \\\\ c\\nd\"} -2.5e1\n\
            # TYPE latency histogram\n\
            latency_bucket{le=\"0.05\"} 24054\n\
            latency_bucket{le=\"1e+06\"} 33444\n\
            latency_bucket{le=\"+Inf\"} 144320\n\
            latency_sum 53423\n\
            latency_count 144320\n\
            # TYPE rpc summary\n\
            rpc{quantile=\"0.5\"} 4773\n\
            rpc{quantile=\"0.99\"} NaN\n\
            rpc_sum 1.7560473e+07\n\
            rpc_count 2693\n\
            nan_gauge NaN\n";
        let ms = parse(text).unwrap();
        let post = find(&ms, "http_requests_total", Some(("method", "post")));
        assert_eq!(post.value, 1027.0);
        assert_eq!(post.timestamp_ms, Some(1395066363000));
        assert_eq!(post.labels.get("code").map(String::as_str), Some("200"));
        assert_eq!(
            find(&ms, "http_requests_total", Some(("method", "get"))).timestamp_ms,
            None
        );
        let t = find(&ms, "temperature", None);
        assert_eq!(t.value, -25.0);
        assert_eq!(t.labels["room"], "a \"b\" \\ c\nd");
        assert_eq!(find(&ms, "latency", Some(("le", "0.05"))).value, 24054.0);
        assert_eq!(find(&ms, "latency", Some(("le", "1e+06"))).value, 33444.0);
        assert_eq!(find(&ms, "latency", Some(("le", "+Inf"))).value, 144320.0);
        assert_eq!(find(&ms, "latency_sum", None).value, 53423.0);
        assert_eq!(find(&ms, "latency_count", None).value, 144320.0);
        assert_eq!(find(&ms, "rpc", Some(("quantile", "0.5"))).value, 4773.0);
        assert!(ms
            .iter()
            .all(|m| m.labels.get("quantile").map(String::as_str) != Some("0.99")));
        assert_eq!(find(&ms, "rpc_sum", None).value, 1.7560473e7);
        assert_eq!(find(&ms, "rpc_count", None).value, 2693.0);
        assert!(ms.iter().all(|m| m.field != "nan_gauge"));
        // 2 counters, 1 untyped, 3 buckets + sum + count, 1 quantile + sum + count.
        assert_eq!(ms.len(), 11);
    }

    #[test]
    fn bad_lines_name_their_line() {
        for (text, line, words) in [
            ("ok 1\nbad{a=\"x\" 2\n", 2, "expected ','"),
            ("# TYPE x gauge\n# TYPE x gauge\n", 2, "second TYPE"),
            ("x 1\n# TYPE x gauge\n", 2, "after its samples"),
            (
                "# TYPE h histogram\nh_bucket 3\n",
                2,
                "without the label \"le\"",
            ),
            ("# TYPE x thing\n", 1, "unknown metric type"),
            ("x one\n", 1, "not a number"),
            ("x 1 2.5\n", 1, "not an integer"),
            ("x{a=\"1\",a=\"2\"} 1\n", 1, "appears twice"),
            ("x{a=\"\\t\"} 1\n", 1, "unknown escape"),
            ("x 0x10\n", 1, "not a number"),
            ("{a=\"1\"} 1\n", 1, "does not start with a metric name"),
            ("x 1 2 3\n", 1, "unexpected"),
        ] {
            let e = parse(text).unwrap_err();
            assert_eq!(e.line, line, "{text:?}: {e}");
            assert!(e.message.contains(words), "{text:?}: {e}");
        }
    }
}
