//! The annotated-CSV codec: upstream's decoding rules and byte-exact encoding.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test harness code

use fluxi_value::csv::{decode, decode_raw, encode, LineEnding};
use fluxi_value::{ColumnType, GroupKey, KeyColumn, Table, Value};
use proptest::prelude::*;

fn show(t: &Table) -> String {
    let key: Vec<String> = t
        .key()
        .columns()
        .iter()
        .map(|k| format!("{}={}", k.label, k.value))
        .collect();
    let cols: Vec<String> = t
        .columns()
        .iter()
        .map(|(l, ty)| format!("{l}:{ty}"))
        .collect();
    let rows: Vec<String> = t
        .rows()
        .iter()
        .map(|r| {
            r.iter()
                .map(|v| v.to_string())
                .collect::<Vec<_>>()
                .join("|")
        })
        .collect();
    format!(
        "key[{}] cols[{}] rows[{}]",
        key.join(","),
        cols.join(","),
        rows.join(" / ")
    )
}

const TWO_TABLES: &str = "
#datatype,string,long,dateTime:RFC3339,double,string,string
#group,false,false,false,false,true,true
#default,_result,,,,,
,result,table,_time,_value,_field,host
,,0,2018-05-22T19:53:26Z,1.83,load1,a
,,0,2018-05-22T19:53:36Z,,load1,a
,,1,2018-05-22T19:53:26Z,2,load1,b
";

#[test]
fn decodes_tables_keys_and_nulls() {
    let d = decode(TWO_TABLES).unwrap();
    assert_eq!(d.result, "_result");
    assert_eq!(d.tables.len(), 2);
    assert_eq!(
        show(&d.tables[0]),
        "key[_field=load1,host=a] cols[_time:time,_value:float,_field:string,host:string] rows[2018-05-22T19:53:26.000000000Z|1.83|load1|a / 2018-05-22T19:53:36.000000000Z|<null>|load1|a]"
    );
    assert_eq!(
        d.tables[1].key().get("host").map(|k| k.value.to_string()),
        Some("b".into())
    );
}

#[test]
fn defaults_fill_empty_cells_and_empty_blocks_become_empty_tables() {
    let text = "#datatype,string,long,string,long
#group,false,false,true,false
#default,_result,3,cpu,7
,result,table,_measurement,v
,,,,
,,,mem,1

#datatype,string,long,string,long
#group,false,false,true,false
#default,_result,9,disk,
,result,table,_measurement,v
";
    let d = decode(text).unwrap();
    assert_eq!(d.tables.len(), 2);
    assert_eq!(
        show(&d.tables[0]),
        "key[_measurement=cpu] cols[_measurement:string,v:int] rows[cpu|7 / mem|1]"
    );
    assert_eq!(
        show(&d.tables[1]),
        "key[_measurement=disk] cols[_measurement:string,v:int] rows[]"
    );
}

#[test]
fn every_datatype_parses() {
    let text = "#datatype,string,long,long,unsignedLong,double,boolean,string,dateTime:RFC3339Nano,dateTime
#group,false,false,false,false,false,false,false,false,false
#default,r,,,,,,,,
,result,table,i,u,f,b,s,t,t2
,,0,-5,18446744073709551615,NaN,t,\"a,b\",2020-01-01T00:00:00.123456789Z,2020-01-01T00:00:00+01:00
";
    let d = decode(text).unwrap();
    assert_eq!(d.result, "r");
    let row = &d.tables[0].rows()[0];
    assert!(matches!(row[0], Value::Int(-5)));
    assert!(matches!(row[1], Value::UInt(u64::MAX)));
    assert!(matches!(row[2], Value::Float(f) if f.is_nan()));
    assert!(matches!(row[3], Value::Bool(true)));
    assert_eq!(row[4].to_string(), "a,b");
    assert_eq!(row[5].to_string(), "2020-01-01T00:00:00.123456789Z");
    assert_eq!(row[6].to_string(), "2019-12-31T23:00:00.000000000Z");
}

#[test]
fn errors_name_the_line_and_the_problem() {
    let missing =
        "#datatype,string,long,double\n#group,false,false,false\n,result,table,x\n,,0,1\n";
    assert_eq!(
        decode(missing).unwrap_err().to_string(),
        "line 1: missing expected annotation default"
    );
    let bad = "#datatype,string,long,double\n#group,false,false,false\n#default,_result,,\n,result,table,x\n,,0,abc\n";
    assert_eq!(
        decode(bad).unwrap_err().to_string(),
        "line 5: column \"x\": cannot parse \"abc\" as double"
    );
    let kind = "#datatype,string,long,duration\n#group,false,false,false\n#default,_result,,\n,result,table,x\n";
    assert!(decode(kind)
        .unwrap_err()
        .to_string()
        .contains("unsupported data type \"duration\""));
    // Two blocks of two results (their `#default` rows name them) are refused...
    let two = "#datatype,string,long,long\n#group,false,false,false\n#default,a,,\n,result,table,x\n,,0,1\n\n#datatype,string,long,long\n#group,false,false,false\n#default,b,,\n,result,table,x\n,,1,2\n";
    assert_eq!(
        decode(two).unwrap_err().to_string(),
        "line 9: csv.from() can only parse 1 result; found \"a\" and \"b\""
    );
    // ... but the rows' own `result` cells are not read, as upstream: one result, named
    // by `#default`.
    let cells = "#datatype,string,long,long\n#group,false,false,false\n#default,_result,,\n,result,table,x\n,_results,0,1\n,other,1,2\n";
    let d = decode(cells).unwrap();
    assert_eq!((d.result.as_str(), d.tables.len()), ("_result", 2));
    // As upstream, an annotation may lack its `#`, and a row whose first cell is not empty
    // starts a new block (here one that is no annotation).
    let bare = "datatype,string,long,long\ngroup,false,false,true\n#default,_result,,\n,result,table,x\n,,0,1\n";
    let d = decode(bare).unwrap();
    assert_eq!(show(&d.tables[0]), "key[x=1] cols[x:int] rows[1]");
    let stray = "#datatype,string,long,long\n#group,false,false,false\n#default,_result,,\n,result,table,x\n,,0,1\nx,,0,2\n";
    assert_eq!(
        decode(stray).unwrap_err().to_string(),
        "line 6: missing expected annotation datatype"
    );
    // With an empty `#default` result, the first row's names the result.
    let named = "#datatype,string,long,long\n#group,false,false,false\n#default,,,\n,result,table,x\n,r1,0,1\n,r2,1,2\n";
    assert_eq!(decode(named).unwrap().result, "r1");
    let width = "#datatype,string,long,long\n#group,false,false,false\n#default,_result,,\n,result,table,x\n,,0,1,2\n";
    assert!(decode(width)
        .unwrap_err()
        .to_string()
        .contains("the row has 5 columns but the header has 4"));
}

#[test]
fn raw_mode_is_all_strings() {
    let t = decode_raw("a,b\n1,x\n2,y\n").unwrap();
    assert_eq!(show(&t), "key[] cols[a:string,b:string] rows[1|x / 2|y]");
}

#[test]
fn encodes_byte_for_byte() {
    let d = decode(TWO_TABLES).unwrap();
    let text = encode(&[("_result".to_string(), d.tables)], LineEnding::Crlf);
    let expected = "#datatype,string,long,dateTime:RFC3339,double,string,string\r\n\
#group,false,false,false,false,true,true\r\n\
#default,_result,,,,,\r\n\
,result,table,_time,_value,_field,host\r\n\
,,0,2018-05-22T19:53:26Z,1.83,load1,a\r\n\
,,0,2018-05-22T19:53:36Z,,load1,a\r\n\
,,1,2018-05-22T19:53:26Z,2,load1,b\r\n\
\r\n";
    assert_eq!(text, expected);
}

#[test]
fn encoding_starts_new_blocks_for_new_schemas_and_empty_tables() {
    let a = Table::from_rows(
        &["k".into()],
        &[
            ("k".into(), ColumnType::String),
            ("v".into(), ColumnType::Int),
        ],
        &[vec![Value::string("x"), Value::Int(1)]],
        None,
    )
    .unwrap();
    let empty = Table::from_rows(
        &["k".into()],
        &[
            ("k".into(), ColumnType::String),
            ("v".into(), ColumnType::Int),
        ],
        &[],
        Some(&[Value::string("y")]),
    )
    .unwrap();
    let other = Table::from_rows(
        &[],
        &[("f".into(), ColumnType::Float)],
        &[vec![Value::Float(1e21)], vec![Value::Float(1e-7)]],
        None,
    )
    .unwrap();
    let text = encode(
        &[("r".into(), vec![a, empty, other]), ("s".into(), vec![])],
        LineEnding::Lf,
    );
    let expected = "#datatype,string,long,string,long
#group,false,false,true,false
#default,r,,,
,result,table,k,v
,,0,x,1

#datatype,string,long,string,long
#group,false,false,true,false
#default,r,1,y,
,result,table,k,v

#datatype,string,long,double
#group,false,false,false
#default,r,,
,result,table,f
,,2,1000000000000000000000
,,2,0.0000001


";
    assert_eq!(text, expected);
}

#[test]
fn quoting_follows_go_csv() {
    let t = Table::from_rows(
        &[],
        &[("s".into(), ColumnType::String)],
        &[
            vec![Value::string("a,b")],
            vec![Value::string("say \"hi\"")],
            vec![Value::string(" lead")],
            vec![Value::string("two\nlines\r")],
        ],
        None,
    )
    .unwrap();
    let text = encode(&[("_result".into(), vec![t])], LineEnding::Crlf);
    assert!(
        text.contains(
            ",,0,\"a,b\"\r\n,,0,\"say \"\"hi\"\"\"\r\n,,0,\" lead\"\r\n,,0,\"two\r\nlines\"\r\n"
        ),
        "{text}"
    );
}

#[test]
fn group_key_order_and_equality() {
    let k = |cols: &[(&str, Value)]| {
        GroupKey::new(
            cols.iter()
                .map(|(l, v)| KeyColumn {
                    label: l.to_string(),
                    ty: ColumnType::String,
                    value: v.clone(),
                })
                .collect(),
        )
    };
    let a = k(&[("host", Value::string("a")), ("_field", Value::string("x"))]);
    let b = k(&[("_field", Value::string("x")), ("host", Value::string("a"))]);
    assert_eq!(a, b, "column order does not matter");
    let n1 = k(&[("host", Value::Null)]);
    let n2 = k(&[("host", Value::Null)]);
    assert_eq!(n1, n2, "null equals null in keys");
    assert!(n1 < k(&[("host", Value::string("a"))]), "null sorts first");
    assert!(
        k(&[("a", Value::string("z"))]) > k(&[("b", Value::string("a"))]),
        "the key lacking the smaller label sorts first"
    );
    assert!(k(&[]) < k(&[("a", Value::string("a"))]));
}

fn arb_value(ty: ColumnType) -> BoxedStrategy<Value> {
    let v = match ty {
        ColumnType::Int => any::<i64>().prop_map(Value::Int).boxed(),
        ColumnType::UInt => any::<u64>().prop_map(Value::UInt).boxed(),
        ColumnType::Float => any::<f64>()
            .prop_filter("NaN is never equal", |f| !f.is_nan())
            .prop_map(Value::Float)
            .boxed(),
        ColumnType::Bool => any::<bool>().prop_map(Value::Bool).boxed(),
        // An empty string cannot be written in annotated CSV (an empty cell is null).
        ColumnType::String => "[ -~\\n\"é]{1,8}"
            .prop_map(|s| Value::string(s.as_str()))
            .boxed(),
        ColumnType::Time => (-9_000_000_000_000_000_000i64..9_000_000_000_000_000_000i64)
            .prop_map(Value::Time)
            .boxed(),
    };
    prop_oneof![1 => Just(Value::Null), 5 => v].boxed()
}

fn arb_table() -> impl Strategy<Value = Table> {
    let types = prop_oneof![
        Just(ColumnType::Int),
        Just(ColumnType::UInt),
        Just(ColumnType::Float),
        Just(ColumnType::Bool),
        Just(ColumnType::String),
        Just(ColumnType::Time)
    ];
    proptest::collection::vec(types, 1..5)
        .prop_flat_map(|types| {
            let row = types.iter().map(|t| arb_value(*t)).collect::<Vec<_>>();
            (
                Just(types),
                proptest::collection::vec(row, 1..6),
                proptest::collection::vec(any::<bool>(), 5),
            )
        })
        .prop_map(|(types, rows, key_flags)| {
            let columns: Vec<(String, ColumnType)> = types
                .iter()
                .enumerate()
                .map(|(i, t)| (format!("c{i}"), *t))
                .collect();
            // Key columns must be constant: copy the first row's value down.
            let key: Vec<String> = columns
                .iter()
                .enumerate()
                .filter(|(i, _)| key_flags[*i])
                .map(|(_, c)| c.0.clone())
                .collect();
            let mut rows = rows;
            let first = rows[0].clone();
            for r in rows.iter_mut() {
                for (i, c) in columns.iter().enumerate() {
                    if key.contains(&c.0) {
                        r[i] = first[i].clone();
                    }
                }
            }
            Table::from_rows(&key, &columns, &rows, None).unwrap()
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn decode_of_encode_is_identity(t in arb_table()) {
        let text = encode(&[("_result".into(), vec![t.clone()])], LineEnding::Crlf);
        let back = decode(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(back.tables.len(), 1);
        prop_assert_eq!(show(&back.tables[0]), show(&t));
    }
}
