//! The line-protocol parser against the test vectors of `influxdb-wire.md` §1.10 (facts
//! about InfluxDB 2.7.12's parser, written here as our own data), the other rules of §1,
//! and properties: what `to_line` writes reads back as the same point, and no input
//! makes the parser panic.

use fluxi_storage::line_protocol::{
    parse, parse_batch, to_line, FieldValue, LineErrorKind, ParseOptions, Point, Precision,
};
use proptest::prelude::*;
use proptest::test_runner::Config;

/// The default time handed to the parser ("the server's now").
const NOW: i64 = 1_234_567_890_123_456_789;

fn parse_ok_with(input: &str, precision: Precision) -> Vec<Point> {
    match parse(input.as_bytes(), precision, NOW) {
        Ok(points) => points,
        Err(e) => panic!("{input:?} was rejected: {e}"),
    }
}

fn parse_ok(input: &str) -> Vec<Point> {
    parse_ok_with(input, Precision::Nanoseconds)
}

fn one(input: &str) -> Point {
    let mut points = parse_ok(input);
    assert_eq!(points.len(), 1, "{input:?}");
    points.remove(0)
}

/// The reason InfluxDB gives for a batch of one bad line; also checks the message.
fn reason_with(input: &str, precision: Precision) -> String {
    match parse(input.as_bytes(), precision, NOW) {
        Ok(points) => panic!("{input:?} was accepted: {points:?}"),
        Err(e) => {
            assert_eq!(e.lines.len(), 1, "{input:?}: {e}");
            let line = &e.lines[0];
            assert_eq!(line.line, 1);
            assert_eq!(
                e.to_string(),
                format!("unable to parse '{}': {}", line.text, line.reason())
            );
            line.reason()
        }
    }
}

fn reason(input: &str) -> String {
    reason_with(input, Precision::Nanoseconds)
}

fn point(
    measurement: &str,
    tags: &[(&str, &str)],
    fields: &[(&str, FieldValue)],
    time: i64,
) -> Point {
    Point {
        measurement: measurement.into(),
        tags: tags
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect(),
        fields: fields
            .iter()
            .map(|(k, v)| ((*k).into(), v.clone()))
            .collect(),
        time,
    }
}

fn float(f: f64) -> FieldValue {
    FieldValue::Float(f)
}

fn string(s: &str) -> FieldValue {
    FieldValue::String(s.into())
}

// ---------------------------------------------------------------------------------------
// §1.10, one test per row

#[test]
fn v01_tagged_float_without_timestamp_gets_now() {
    assert_eq!(
        one("cpu,host=a value=1"),
        point("cpu", &[("host", "a")], &[("value", float(1.0))], NOW)
    );
}

#[test]
fn v02_every_field_type() {
    assert_eq!(
        one(r#"cpu value=1i,u=2u,b=t,b2=FALSE,b3=True,s="x" 1700000000"#),
        point(
            "cpu",
            &[],
            &[
                ("b", FieldValue::Bool(true)),
                ("b2", FieldValue::Bool(false)),
                ("b3", FieldValue::Bool(true)),
                ("s", string("x")),
                ("u", FieldValue::UInt(2)),
                ("value", FieldValue::Int(1)),
            ],
            1_700_000_000
        )
    );
}

#[test]
fn v03_precision_s_ms_us() {
    let time = |p| parse_ok_with("cpu value=1 1700000000", p)[0].time;
    assert_eq!(time(Precision::Seconds), 1_700_000_000_000_000_000);
    assert_eq!(time(Precision::Milliseconds), 1_700_000_000_000_000);
    assert_eq!(time(Precision::Microseconds), 1_700_000_000_000);
    assert_eq!(time(Precision::Nanoseconds), 1_700_000_000);
}

#[test]
fn v04_escapes_in_measurement_tag_and_field_key() {
    assert_eq!(
        one(r"my\ meas\,x,tag\ k\=y=v\,a\ l\=ue fi\ eld\=k\,=1"),
        point(
            "my meas,x",
            &[("tag k=y", "v,a l=ue")],
            &[("fi eld=k,", float(1.0))],
            NOW
        )
    );
}

#[test]
fn v05_backslashes_in_tag_value_and_string() {
    assert_eq!(
        one(r#"cpu,t=a\\b f="a\\b\"c\d""#),
        point(
            "cpu",
            &[("t", r"a\\b")],
            &[("f", string(r#"a\b"c\d"#))],
            NOW
        )
    );
}

#[test]
fn v06_multi_line_string() {
    assert_eq!(
        parse_ok("cpu f=\"multi\nline\""),
        vec![point("cpu", &[], &[("f", string("multi\nline"))], NOW)]
    );
}

#[test]
fn v07_tags_are_sorted() {
    let p = one("cpu,b=2,a=1 v=1");
    assert_eq!(
        p.tags,
        vec![("a".into(), "1".into()), ("b".into(), "2".into())]
    );
}

#[test]
fn v08_duplicate_tags() {
    assert_eq!(reason("cpu,a=1,a=2 v=1"), "duplicate tags");
}

#[test]
fn v09_repeated_field_last_wins() {
    assert_eq!(
        one("cpu v=1,v=2"),
        point("cpu", &[], &[("v", float(2.0))], NOW)
    );
}

#[test]
fn v10_comments_and_blank_lines_are_skipped() {
    assert_eq!(parse_ok("  # comment\n\n   \n\t\n#cpu v=1\n"), vec![]);
    assert_eq!(
        parse_ok("  # comment\ncpu v=1\n\n#cpu v=2"),
        vec![point("cpu", &[], &[("v", float(1.0))], NOW)]
    );
}

#[test]
fn v11_missing_fields() {
    assert_eq!(reason("cpu"), "missing fields");
    assert_eq!(reason("cpu,host=a"), "missing fields");
}

#[test]
fn v12_missing_field_value() {
    assert_eq!(reason("cpu v="), "missing field value");
}

#[test]
fn v13_bad_timestamp() {
    assert_eq!(reason("cpu v=1 abc"), "bad timestamp");
}

#[test]
fn v14_point_is_invalid_after_timestamp() {
    assert_eq!(reason("cpu v=1 1 extra"), "point is invalid");
    assert_eq!(reason("cpu v=1,w=2 1 2"), "point is invalid");
}

#[test]
fn v15_trailing_spaces() {
    assert_eq!(
        one("cpu v=1 1   "),
        point("cpu", &[], &[("v", float(1.0))], 1)
    );
}

#[test]
fn v16_reserved_tag_keys() {
    assert_eq!(
        reason("cpu,time=1 v=1"),
        r#"cannot use reserved tag key "time""#
    );
    assert_eq!(
        reason("cpu,_field=1 v=1"),
        r#"cannot use reserved tag key "_field""#
    );
}

#[test]
fn v17_time_field_parses() {
    assert_eq!(
        one("cpu time=1,v=1"),
        point("cpu", &[], &[("time", float(1.0)), ("v", float(1.0))], NOW)
    );
}

#[test]
fn v18_nan_and_inf() {
    assert_eq!(reason("cpu v=NaN"), "invalid number");
    assert_eq!(reason("cpu v=-Inf"), "invalid number");
}

#[test]
fn v19_float_spellings() {
    assert_eq!(
        one("cpu v=1e3,w=-1.5E-2,x=.5,y=5."),
        point(
            "cpu",
            &[],
            &[
                ("v", float(1000.0)),
                ("w", float(-0.015)),
                ("x", float(0.5)),
                ("y", float(5.0))
            ],
            NOW
        )
    );
}

#[test]
fn v20_integer_out_of_range() {
    assert_eq!(
        reason("cpu v=9223372036854775808i"),
        r#"unable to parse integer 9223372036854775808: strconv.ParseInt: parsing "9223372036854775808": value out of range"#
    );
}

#[test]
fn v21_negative_unsigned() {
    assert_eq!(reason("cpu v=-1u"), "invalid number");
}

#[test]
fn v22_largest_unsigned() {
    assert_eq!(
        one("cpu v=18446744073709551615u").fields,
        vec![("v".into(), FieldValue::UInt(u64::MAX))]
    );
}

#[test]
fn v23_invalid_booleans() {
    assert_eq!(reason("cpu v=tRUE"), "invalid boolean");
    assert_eq!(reason("cpu v=abc"), "invalid boolean");
    assert_eq!(reason("cpu v=+1"), "invalid boolean");
}

#[test]
fn v24_unbalanced_quotes() {
    assert_eq!(reason(r#"cpu v="unterminated"#), "unbalanced quotes");
}

#[test]
fn v25_missing_measurement() {
    assert_eq!(reason(",t=1 v=1"), "missing measurement");
}

#[test]
fn v26_missing_tag_value() {
    assert_eq!(reason("cpu,t= v=1"), "missing tag value");
}

#[test]
fn v27_missing_tag_key() {
    assert_eq!(reason("cpu,=x v=1"), "missing tag key");
    assert_eq!(reason("cpu, v=1"), "missing tag key");
    assert_eq!(reason("cpu,t=1,u=2, v=1"), "missing tag key");
}

#[test]
fn v28_trailing_comma_in_fields() {
    assert_eq!(reason("cpu v=1,"), "invalid field format");
}

#[test]
fn v29_missing_field_key() {
    assert_eq!(reason("cpu =1"), "missing field key");
}

#[test]
fn v30_tab_is_not_a_separator() {
    assert_eq!(reason("cpu\tv=1"), "missing fields");
}

#[test]
fn v31_tab_before_timestamp() {
    assert_eq!(reason("cpu v=1\t2"), "invalid number");
}

#[test]
fn v32_negative_timestamp() {
    assert_eq!(one("cpu v=1 -5").time, -5);
}

#[test]
fn v33_space_in_tag_value() {
    assert_eq!(reason("cpu,t=x y v=1"), "invalid field format");
    assert_eq!(reason(r#"cpu,t="x y" v=1"#), "invalid field format");
}

#[test]
fn v34_unescaped_equals_in_tag_value() {
    assert_eq!(reason("cpu,t=a=b v=1"), "invalid tag format");
}

#[test]
fn v35_escaped_equals_in_tag_value() {
    assert_eq!(
        one(r"cpu,t=a\=b v=1").tags,
        vec![("t".into(), "a=b".into())]
    );
}

#[test]
fn v36_escaped_space_joins_the_measurement() {
    assert_eq!(reason(r"cpu\ v=1 1"), "invalid field format");
}

#[test]
fn v37_largest_timestamp() {
    assert_eq!(
        one("cpu v=1 9223372036854775806").time,
        9_223_372_036_854_775_806
    );
}

#[test]
fn v38_timestamp_above_range() {
    assert_eq!(
        reason("cpu v=1 9223372036854775807"),
        "time outside range -9223372036854775806 - 9223372036854775806"
    );
}

#[test]
fn v39_timestamp_overflowing_with_precision_s() {
    assert_eq!(
        reason_with("cpu v=1 99999999999999", Precision::Seconds),
        "time outside range -9223372036854775806 - 9223372036854775806"
    );
}

#[test]
fn v40_crlf_is_not_stripped() {
    assert_eq!(reason("cpu v=1\r\n"), "invalid number");
    assert_eq!(reason("cpu v=1\r"), "invalid number");
}

#[test]
fn v41_quotes_in_measurement_are_characters() {
    assert_eq!(one(r#""cpu" v=1"#).measurement, r#""cpu""#);
}

#[test]
fn v42_quotes_in_field_keys() {
    assert_eq!(
        one(r#"cpu "f"=1"#).fields,
        vec![(r#""f""#.into(), float(1.0))]
    );
    assert_eq!(
        one(r#"cpu f\"x=1"#).fields,
        vec![(r#"f"x"#.into(), float(1.0))]
    );
}

#[test]
fn v43_empty_string() {
    assert_eq!(one(r#"cpu v="""#).fields, vec![("v".into(), string(""))]);
}

#[test]
fn v44_exponent_with_plus() {
    assert_eq!(
        one("cpu v=1.5e+10").fields,
        vec![("v".into(), float(1.5e10))]
    );
}

// ---------------------------------------------------------------------------------------
// The rest of §1

#[test]
fn every_bad_line_is_reported_and_nothing_is_returned() {
    // §1.7: two good and two bad lines.
    let e = parse(
        b"cpu v=1\nbad\ncpu v=2\n  bad2 v=",
        Precision::Nanoseconds,
        NOW,
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "unable to parse 'bad': missing fields\nunable to parse 'bad2 v=': missing field value"
    );
    let lines: Vec<_> = e
        .lines
        .iter()
        .map(|l| (l.line, l.text.as_str(), l.kind.clone()))
        .collect();
    assert_eq!(
        lines,
        vec![
            (2, "bad", LineErrorKind::MissingFields),
            (4, "bad2 v=", LineErrorKind::MissingFieldValue)
        ]
    );
}

#[test]
fn line_numbers_count_physical_lines() {
    let input = "# header\n\ncpu s=\"a\nb\nc\" 1\r\n  \n\tx\ncpu v=1\ny v=";
    let e = parse(input.as_bytes(), Precision::Nanoseconds, NOW).unwrap_err();
    let numbers: Vec<_> = e.lines.iter().map(|l| (l.line, l.reason())).collect();
    assert_eq!(
        numbers,
        vec![
            (3, "bad timestamp".into()),
            (7, "missing fields".into()),
            (9, "missing field value".into()),
        ]
    );
}

#[test]
fn empty_batches_are_valid() {
    assert_eq!(parse_ok(""), vec![]);
    assert_eq!(parse_ok("\n\n"), vec![]);
    assert_eq!(parse_ok("# only a comment"), vec![]);
}

#[test]
fn leading_whitespace_is_skipped_and_not_quoted() {
    assert_eq!(one(" \t\0cpu v=1").measurement, "cpu");
    let e = parse(b" \t zz v=", Precision::Nanoseconds, NOW).unwrap_err();
    assert_eq!(
        e.to_string(),
        "unable to parse 'zz v=': missing field value"
    );
}

#[test]
fn crlf_is_accepted_on_request() {
    let options = ParseOptions {
        accept_crlf: true,
        ..ParseOptions::new(Precision::Nanoseconds, NOW)
    };
    let batch = parse_batch(b"cpu v=1 5\r\n\r\n# c\r\ncpu w=2\r\n", &options).unwrap();
    let points = batch.into_points();
    assert_eq!(
        points,
        vec![
            point("cpu", &[], &[("v", float(1.0))], 5),
            point("cpu", &[], &[("w", float(2.0))], NOW),
        ]
    );
    assert_eq!(reason("cpu v=1 5\r\n"), "bad timestamp");
}

#[test]
fn missing_timestamps_get_the_default_time_truncated_to_the_precision() {
    let now = 1_700_000_123_456_789_012;
    let time = |p| parse(b"cpu v=1", p, now).unwrap()[0].time;
    assert_eq!(time(Precision::Nanoseconds), now);
    assert_eq!(time(Precision::Microseconds), 1_700_000_123_456_789_000);
    assert_eq!(time(Precision::Milliseconds), 1_700_000_123_456_000_000);
    assert_eq!(time(Precision::Seconds), 1_700_000_123_000_000_000);
}

#[test]
fn precision_parameter() {
    assert_eq!("ns".parse(), Ok(Precision::Nanoseconds));
    assert_eq!("us".parse(), Ok(Precision::Microseconds));
    assert_eq!("ms".parse(), Ok(Precision::Milliseconds));
    assert_eq!("s".parse(), Ok(Precision::Seconds));
    for bad in ["n", "u", "m", "h", "NS", "", "sec"] {
        let e = bad.parse::<Precision>().unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid precision; valid precision units are ns, us, ms, and s"
        );
    }
    assert_eq!(
        Precision::from_query_param(None),
        Ok(Precision::Nanoseconds)
    );
    assert_eq!(
        Precision::from_query_param(Some("")),
        Ok(Precision::Nanoseconds)
    );
    assert!(Precision::from_query_param(Some("h")).is_err());
    assert_eq!(Precision::Milliseconds.to_string(), "ms");
}

#[test]
fn duplicate_points_merge_field_by_field() {
    // §1.6: same series and time; later lines win per field, other fields are kept.
    let points =
        parse_ok("cpu,b=1,a=1 x=1,y=1 10\nmem v=1 10\ncpu,a=1,b=1 y=2,z=2 10\ncpu,a=1,b=1 x=3 11");
    assert_eq!(
        points,
        vec![
            point(
                "cpu",
                &[("a", "1"), ("b", "1")],
                &[("x", float(1.0)), ("y", float(2.0)), ("z", float(2.0))],
                10
            ),
            point("mem", &[], &[("v", float(1.0))], 10),
            point("cpu", &[("a", "1"), ("b", "1")], &[("x", float(3.0))], 11),
        ]
    );
    // Points without a timestamp share the default time, so they merge too.
    assert_eq!(
        parse_ok("cpu v=1\ncpu v=2,w=1"),
        vec![point(
            "cpu",
            &[],
            &[("v", float(2.0)), ("w", float(1.0))],
            NOW
        )]
    );
}

#[test]
fn the_fast_path_keeps_lines_as_written() {
    let input = br#"cpu,z=1,a=2 v=1,v=2i,s="x\"y" 7
cpu,a=2,z=1 w=t 7"#;
    let batch = parse_batch(input, &ParseOptions::new(Precision::Nanoseconds, NOW)).unwrap();
    assert_eq!(batch.len(), 2);
    let first = batch.get(0).unwrap();
    assert_eq!(first.measurement, "cpu");
    let tags: Vec<_> = first
        .tags
        .iter()
        .map(|(k, v)| (k.as_ref(), v.as_ref()))
        .collect();
    assert_eq!(tags, vec![("a", "2"), ("z", "1")]);
    let keys: Vec<_> = first.fields.iter().map(|(k, _)| k.as_ref()).collect();
    assert_eq!(keys, vec!["v", "v", "s"]);
    assert_eq!(first.time, 7);
    assert_eq!(
        batch.into_points(),
        vec![point(
            "cpu",
            &[("a", "2"), ("z", "1")],
            &[
                ("s", string("x\"y")),
                ("v", FieldValue::Int(2)),
                ("w", FieldValue::Bool(true))
            ],
            7
        )]
    );
}

#[test]
fn reserved_tag_keys_include_the_internal_bytes() {
    assert_eq!(
        reason("cpu,_measurement=x v=1"),
        r#"cannot use reserved tag key "_measurement""#
    );
    assert_eq!(
        reason("cpu,a=1,\0=x v=1"),
        r#"cannot use reserved tag key "\x00""#
    );
    let e = parse(b"cpu,\xff=x v=1", Precision::Nanoseconds, NOW).unwrap_err();
    assert_eq!(e.lines[0].reason(), r#"cannot use reserved tag key "\xff""#);
    // Field keys may be anything.
    assert_eq!(one("cpu _v=1,time=2").fields.len(), 2);
}

#[test]
fn more_reasons() {
    assert_eq!(reason("cpu v=1e400"), "invalid float");
    assert_eq!(reason("cpu v=1.2.3"), "invalid number");
    assert_eq!(reason("cpu v=1 1.5"), "bad timestamp");
    assert_eq!(
        reason("cpu v=18446744073709551616u"),
        r#"unable to parse unsigned 18446744073709551616: strconv.ParseUint: parsing "18446744073709551616": value out of range"#
    );
    assert_eq!(
        reason("cpu v=1 99999999999999999999"),
        r#"strconv.ParseInt: parsing "99999999999999999999": value out of range"#
    );
    assert_eq!(
        reason("cpu v=1 -"),
        r#"strconv.ParseInt: parsing "-": invalid syntax"#
    );
    assert_eq!(
        reason("cpu v=1 -9223372036854775807"),
        "time outside range -9223372036854775806 - 9223372036854775806"
    );
    assert_eq!(
        one("cpu v=1 -9223372036854775806").time,
        -9_223_372_036_854_775_806
    );
    assert_eq!(reason("cpu "), "invalid field format");
    assert_eq!(reason("cpu v=1,w"), "invalid field format");
    assert_eq!(reason("cpu v=1,=2"), "missing field key");
    assert_eq!(reason("cpu,t v=1"), "missing tag value");
    assert_eq!(reason("cpu,t=1"), "missing fields");
    assert_eq!(reason("cpu v=I"), "invalid boolean");
    assert_eq!(reason("cpu v=1I"), "invalid number");
    assert_eq!(reason(r"cpu a\\=1"), r"invalid value: field-key=a\\=1");
}

#[test]
fn boolean_spellings() {
    let p = one("m a=t,b=T,c=true,d=True,e=TRUE,f=f,g=F,h=false,i=False,j=FALSE");
    let values: Vec<_> = p.fields.iter().map(|(_, v)| v.clone()).collect();
    let expected: Vec<_> = [
        true, true, true, true, true, false, false, false, false, false,
    ]
    .into_iter()
    .map(FieldValue::Bool)
    .collect();
    assert_eq!(values, expected);
}

#[test]
fn escapes_only_cover_their_element() {
    // A backslash before anything else is kept; `\\` is not an escape outside strings.
    let p = one(r#"m\x\=\"y,t\k=v\n f\=\"k="a\nb\q" 1"#);
    assert_eq!(p.measurement, r#"m\x="y"#);
    assert_eq!(p.tags, vec![(r"t\k".into(), r"v\n".into())]);
    assert_eq!(p.fields, vec![(r#"f="k"#.into(), string(r"a\nb\q"))]);
    // A quote in a tag value is a character.
    assert_eq!(
        one(r#"cpu,t="q" v=1"#).tags,
        vec![("t".into(), r#""q""#.into())]
    );
}

#[test]
fn oddities_of_the_2_7_scanner_are_kept() {
    // A tab or NUL after the separating space is skipped, leaving an empty field key
    // that InfluxDB's validation does not catch.
    assert_eq!(one("cpu \t=1").fields, vec![("".into(), float(1.0))]);
    // An `=` as the first byte of a tag value is not checked.
    assert_eq!(one("cpu,t==x v=1").tags, vec![("t".into(), "=x".into())]);
    // After a closing quote, the rest of the value is not validated; the string is
    // whatever lies between the first and the last byte.
    assert_eq!(
        one(r#"cpu v="a"b"#).fields,
        vec![("v".into(), string(r#"a""#))]
    );
    // A backslash before a newline keeps the newline in the line.
    assert_eq!(reason("cpu v=1 1\\\ncpu v=2"), "bad timestamp");
}

#[test]
fn max_key_length() {
    let long = "m".repeat(65_536);
    assert_eq!(
        reason(&format!("{long} v=1")),
        "max key length exceeded: 65536 > 65535"
    );
    let key = "m".repeat(65_000);
    let field = "f".repeat(600);
    assert_eq!(
        reason(&format!("{key} {field}=1")),
        "max key length exceeded: 65604 > 65535"
    );
    assert_eq!(one(&format!("{key} {}=1", "f".repeat(531))).fields.len(), 1);
}

#[test]
fn non_utf8_names_are_rejected_after_syntax() {
    let e = parse(
        b"cpu v=1\ncpu,t=\xc3 v=1\ncpu\xff v=\n",
        Precision::Nanoseconds,
        NOW,
    )
    .unwrap_err();
    let reasons: Vec<_> = e.lines.iter().map(|l| (l.line, l.kind.clone())).collect();
    assert_eq!(
        reasons,
        vec![
            (2, LineErrorKind::InvalidUtf8),
            (3, LineErrorKind::MissingFieldValue)
        ]
    );
    assert_eq!(e.lines[0].text, "cpu,t=\u{fffd} v=1");
}

#[test]
fn writer_escapes_per_element() {
    let p = point(
        "my meas,x=\"y\"",
        &[("tag k=y", "v,a l=ue"), ("empty", "")],
        &[
            ("fi eld=k,", float(1.0)),
            ("s", string("a\\b\"c\nd")),
            ("i", FieldValue::Int(-3)),
            ("u", FieldValue::UInt(3)),
            ("b", FieldValue::Bool(false)),
        ],
        42,
    );
    assert_eq!(
        to_line(&p),
        r#"my\ meas\,x="y",tag\ k\=y=v\,a\ l\=ue fi\ eld\=k\,=1.0,s="a\\b\"c"#.to_owned()
            + "\nd\",i=-3i,u=3u,b=false 42"
    );
    assert_eq!(
        to_line(&point("m", &[], &[("f", float(1e300))], 0)),
        "m f=1e300 0"
    );
    assert_eq!(
        to_line(&point(r"a\=", &[], &[(r#"k\""#, float(0.5))], 0)),
        r#"a\\= k\\"=0.5 0"#
    );
}

// ---------------------------------------------------------------------------------------
// Properties

/// Characters of names: the line-protocol specials, backslash, tab, carriage return,
/// `#`, non-ASCII.
fn name_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => proptest::char::range('a', 'z'),
        1 => proptest::sample::select(vec![
            ' ', ',', '=', '"', '\\', '#', '\t', '\r', '_', '-', '.', '0', '9', 'é', '日', '\'', 'i', 'u',
        ]),
    ]
}

/// A name with a line-protocol form (see `to_line`): non-empty, no newline, no
/// backslash at the end or before a special character, no tab at the start.
fn name() -> impl Strategy<Value = String> {
    proptest::collection::vec(name_char(), 1..8).prop_map(|mut chars| {
        for i in 0..chars.len() {
            let next = chars.get(i + 1).copied();
            if chars[i] == '\\' && matches!(next, None | Some(' ' | ',' | '=' | '"' | '\\')) {
                chars[i] = 'x';
            }
        }
        if chars[0] == '\t' {
            chars[0] = 't';
        }
        chars.into_iter().collect()
    })
}

fn tag_key() -> impl Strategy<Value = String> {
    name().prop_map(|k| {
        if matches!(k.as_str(), "time" | "_field" | "_measurement") {
            k + "_"
        } else {
            k
        }
    })
}

fn measurement() -> impl Strategy<Value = String> {
    name().prop_map(|m| {
        if m.starts_with('#') {
            format!("m{m}")
        } else {
            m
        }
    })
}

fn field_value() -> impl Strategy<Value = FieldValue> {
    use proptest::num::f64 as f;
    prop_oneof![
        (f::POSITIVE | f::NEGATIVE | f::NORMAL | f::SUBNORMAL | f::ZERO)
            .prop_map(FieldValue::Float),
        any::<i64>().prop_map(FieldValue::Int),
        any::<u64>().prop_map(FieldValue::UInt),
        any::<bool>().prop_map(FieldValue::Bool),
        proptest::collection::vec(
            prop_oneof![
                3 => proptest::char::range(' ', '~'),
                1 => proptest::sample::select(vec!['\n', '\r', '\t', '"', '\\', 'é', '日']),
            ],
            0..10
        )
        .prop_map(|s| FieldValue::String(s.into_iter().collect())),
    ]
}

fn any_point() -> impl Strategy<Value = Point> {
    (
        measurement(),
        proptest::collection::btree_map(tag_key(), name(), 0..4),
        proptest::collection::btree_map(name(), field_value(), 1..5),
        -9_223_372_036_854_775_806..=9_223_372_036_854_775_806i64,
    )
        .prop_map(|(measurement, tags, fields, time)| Point {
            measurement,
            tags: tags.into_iter().collect(),
            fields: fields.into_iter().collect(),
            time,
        })
}

/// Bytes that matter to the parser, to reach deep states more often than random bytes.
fn line_protocol_bytes() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(
        prop_oneof![
            3 => proptest::sample::select(b"ab ,=\"\\\n#0123456789.-+eEiutTfFN\r\t".to_vec()),
            1 => any::<u8>(),
        ],
        0..120,
    )
}

fn check_any_input(input: &[u8]) {
    for precision in [Precision::Nanoseconds, Precision::Seconds] {
        for accept_crlf in [false, true] {
            let options = ParseOptions {
                precision,
                default_time: NOW,
                accept_crlf,
            };
            match parse_batch(input, &options) {
                Ok(batch) => {
                    for p in batch.iter() {
                        assert!(!p.fields.is_empty());
                        assert!(p.tags.windows(2).all(|w| w[0].0 < w[1].0));
                    }
                    let _ = batch.into_points();
                }
                Err(e) => {
                    assert!(!e.lines.is_empty());
                    let physical = input.iter().filter(|&&c| c == b'\n').count() + 1;
                    assert!(e.lines.windows(2).all(|w| w[0].line < w[1].line));
                    assert!(e.lines.iter().all(|l| l.line >= 1 && l.line <= physical));
                    let _ = e.to_string();
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(Config { cases: 2000, failure_persistence: None, ..Config::default() })]

    #[test]
    fn written_points_read_back(p in any_point()) {
        let line = to_line(&p);
        let parsed = parse(line.as_bytes(), Precision::Nanoseconds, NOW);
        prop_assert_eq!(parsed, Ok(vec![p]), "line: {:?}", line);
    }

    #[test]
    fn written_batches_read_back(points in proptest::collection::vec(any_point(), 0..6)) {
        // Distinct times, so no two points merge.
        let points: Vec<Point> = points
            .into_iter()
            .enumerate()
            .map(|(i, p)| Point { time: i as i64, ..p })
            .collect();
        let text: Vec<String> = points.iter().map(to_line).collect();
        let parsed = parse(text.join("\n").as_bytes(), Precision::Nanoseconds, NOW);
        prop_assert_eq!(parsed, Ok(points));
    }

    #[test]
    fn one_bad_line_rejects_the_batch(
        points in proptest::collection::vec(any_point(), 0..5),
        bad_at in 0usize..5,
    ) {
        let mut lines: Vec<String> = points.iter().map(to_line).collect();
        let bad_at = bad_at.min(lines.len());
        lines.insert(bad_at, "bad line".into());
        let e = parse(lines.join("\n").as_bytes(), Precision::Nanoseconds, NOW).unwrap_err();
        prop_assert_eq!(e.lines.len(), 1);
        // Each written line is one physical line unless a string value holds newlines.
        let before: usize = lines[..bad_at].iter().map(|l| l.matches('\n').count() + 1).sum();
        prop_assert_eq!(e.lines[0].line, before + 1);
        prop_assert_eq!(e.lines[0].kind.clone(), LineErrorKind::InvalidFieldFormat);
    }

    #[test]
    fn random_bytes_never_panic(input in proptest::collection::vec(any::<u8>(), 0..200)) {
        check_any_input(&input);
    }

    #[test]
    fn line_protocol_like_bytes_never_panic(input in line_protocol_bytes()) {
        check_any_input(&input);
    }

    #[test]
    fn mutated_lines_never_panic(p in any_point(), at in any::<usize>(), byte in any::<u8>(), cut in any::<bool>()) {
        let mut line = to_line(&p).into_bytes();
        let at = at % (line.len() + 1);
        if cut {
            line.truncate(at);
        } else {
            line.insert(at, byte);
        }
        check_any_input(&line);
    }
}

#[test]
fn tag_keys_that_collide_with_result_columns_are_reserved() {
    // Every query result has these columns; a tag of the same name broke every query of
    // its bucket, so they are refused like InfluxDB's own reserved keys.
    for key in ["_time", "_value", "_start", "_stop"] {
        assert_eq!(
            reason(&format!("cpu,{key}=x v=1 1")),
            format!("cannot use reserved tag key \"{key}\"")
        );
    }
    // As field keys they are only names, as in InfluxDB.
    assert_eq!(one("cpu _value=1 1").fields.len(), 1);
}

#[test]
fn a_line_of_nul_bytes_is_reported_with_its_number() {
    let e = parse(
        b"cpu v=1 1\n\0\0 \0\ncpu v=2 2\n",
        Precision::Nanoseconds,
        0,
    )
    .unwrap_err();
    assert_eq!(e.lines.len(), 1);
    assert_eq!(e.lines[0].line, 2);
    assert!(
        e.lines[0].reason().contains("only NUL bytes"),
        "{}",
        e.lines[0]
    );
    // Blank lines stay blank lines.
    assert_eq!(parse_ok("cpu v=1 1\n \t\ncpu v=2 2\n").len(), 2);
}

#[test]
fn the_line_of_a_field_type_conflict_is_found() {
    let options = ParseOptions::new(Precision::Nanoseconds, 0);
    let text = b"cpu v=1 1\nmem v=\"s\" 2\ncpu,host=a v=\"s\" 3\ncpu v=\"t\" 4\n";
    let find = |m: &str, ty: &str| fluxi_storage::line_with_field(text, &options, m, "v", ty);
    assert_eq!(find("cpu", "string"), Some(3));
    assert_eq!(find("cpu", "float"), Some(1));
    assert_eq!(find("mem", "string"), Some(2));
    assert_eq!(find("cpu", "boolean"), None);
}
