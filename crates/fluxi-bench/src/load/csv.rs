//! Reading (and checking) the annotated CSV of `/api/v2/query` answers asked for with
//! the annotations `datatype`, `group` and `default` and a header: every table block must
//! have all three annotations and a header of the same width, every row that width, the
//! `table` column an integer and every cell a value of its column's type. An in-band
//! error table is an error.

/// One block of rows under one header (one or more tables of the same columns).
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    /// The column names (without the leading annotation column).
    pub columns: Vec<String>,
    /// The `#datatype` of each column.
    pub types: Vec<String>,
    /// The rows, `result` filled in from `#default` when the row leaves it empty.
    pub rows: Vec<Vec<String>>,
}

impl Block {
    /// The index of a column.
    pub fn col(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }
}

/// The cells of one CSV line (quotes as RFC 4180 has them).
fn cells(line: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    let mut was_quoted = false;
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    cur.push('"');
                } else {
                    quoted = false;
                }
            } else {
                cur.push(c);
            }
        } else if c == '"' && cur.is_empty() && !was_quoted {
            quoted = true;
            was_quoted = true;
        } else if c == ',' {
            out.push(std::mem::take(&mut cur));
            was_quoted = false;
        } else if was_quoted {
            return Err(format!("text after a closing quote in {line:?}"));
        } else {
            cur.push(c);
        }
    }
    if quoted {
        return Err(format!("an unclosed quote in {line:?}"));
    }
    out.push(cur);
    Ok(out)
}

/// Whether `v` is a value of the annotated CSV type `ty` (empty: null).
fn of_type(ty: &str, v: &str) -> bool {
    if v.is_empty() {
        return true;
    }
    match ty {
        "long" => v.parse::<i64>().is_ok(),
        "unsignedLong" => v.parse::<u64>().is_ok(),
        "double" => v.parse::<f64>().is_ok() || matches!(v, "+Inf" | "-Inf" | "NaN"),
        "boolean" => v == "true" || v == "false",
        "dateTime:RFC3339" | "dateTime:RFC3339Nano" => is_rfc3339(v),
        "string" | "duration" | "base64Binary" => true,
        _ => false,
    }
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction]Z`.
fn is_rfc3339(v: &str) -> bool {
    let b = v.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|s| s.iter().all(u8::is_ascii_digit));
    if b.len() < 20 || !digits(0..4) || !digits(5..7) || !digits(8..10) || !digits(11..13) {
        return false;
    }
    if b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' {
        return false;
    }
    if !digits(14..16) || !digits(17..19) || b[b.len() - 1] != b'Z' {
        return false;
    }
    match &b[19..b.len() - 1] {
        [] => true,
        [b'.', frac @ ..] => {
            !frac.is_empty() && frac.len() <= 9 && frac.iter().all(u8::is_ascii_digit)
        }
        _ => false,
    }
}

/// Parses and checks an answer (see the module documentation). The error says what is
/// wrong and where.
pub fn parse(body: &[u8]) -> Result<Vec<Block>, String> {
    let text = std::str::from_utf8(body).map_err(|_| "the answer is not UTF-8".to_string())?;
    let mut blocks: Vec<Block> = Vec::new();
    let mut lines = text.split('\n').enumerate().peekable();
    // The state inside a block: the annotations seen, and whether the header came.
    let mut datatype: Option<Vec<String>> = None;
    let mut group: Option<Vec<String>> = None;
    let mut default: Option<Vec<String>> = None;
    let mut open: Option<Block> = None;
    // The `#default` row of the open block.
    let mut row_default: Vec<String> = Vec::new();
    let mut ended_with_empty = true;
    while let Some((i, raw)) = lines.next() {
        let n = i + 1;
        let last = lines.peek().is_none();
        if last {
            if !raw.is_empty() {
                return Err(format!(
                    "line {n}: the answer does not end with a line break"
                ));
            }
            break;
        }
        let line = raw
            .strip_suffix('\r')
            .ok_or_else(|| format!("line {n}: a line break without CR"))?;
        if line.is_empty() {
            if datatype.is_some() || group.is_some() || default.is_some() {
                return Err(format!("line {n}: annotations without a header"));
            }
            if let Some(b) = open.take() {
                blocks.push(b);
            }
            ended_with_empty = true;
            continue;
        }
        ended_with_empty = false;
        let c = cells(line).map_err(|e| format!("line {n}: {e}"))?;
        let first = c.first().map(String::as_str).unwrap_or("");
        if first.starts_with('#') {
            if let Some(b) = open.take() {
                blocks.push(b);
            }
            let rest = c[1..].to_vec();
            let slot = match first {
                "#datatype" => &mut datatype,
                "#group" => &mut group,
                "#default" => &mut default,
                other => return Err(format!("line {n}: unknown annotation {other:?}")),
            };
            if slot.replace(rest).is_some() {
                return Err(format!("line {n}: {first} twice before a header"));
            }
            continue;
        }
        if let Some(b) = open.as_mut() {
            // A data row.
            if c.len() != b.columns.len() + 1 {
                return Err(format!(
                    "line {n}: {} cells under a header of {}",
                    c.len(),
                    b.columns.len() + 1
                ));
            }
            if !first.is_empty() {
                return Err(format!("line {n}: a row's annotation cell is {first:?}"));
            }
            let mut row = c[1..].to_vec();
            for (j, v) in row.iter().enumerate() {
                if !of_type(&b.types[j], v) {
                    return Err(format!(
                        "line {n}: {v:?} in column {} is not a {}",
                        b.columns[j], b.types[j]
                    ));
                }
            }
            if let Some(t) = b.col("table") {
                if row[t].parse::<u64>().is_err() {
                    return Err(format!("line {n}: table {:?} is not a number", row[t]));
                }
            }
            if let Some(r) = b.col("result") {
                if row[r].is_empty() {
                    row[r] = row_default.get(r).cloned().unwrap_or_default();
                }
            }
            b.rows.push(row);
            continue;
        }
        // A header.
        let (Some(types), Some(g), Some(d)) = (datatype.take(), group.take(), default.take())
        else {
            return Err(format!("line {n}: a header without all three annotations"));
        };
        let columns = c[1..].to_vec();
        if !first.is_empty() {
            return Err(format!("line {n}: the header's first cell is {first:?}"));
        }
        if columns == ["error", "reference"] {
            let message = lines
                .next()
                .map(|(_, l)| l.trim_end_matches('\r').to_string())
                .unwrap_or_default();
            return Err(format!("the query failed after its first byte: {message}"));
        }
        for (what, a) in [("#datatype", &types), ("#group", &g), ("#default", &d)] {
            if a.len() != columns.len() {
                return Err(format!(
                    "line {n}: {what} has {} cells, the header {}",
                    a.len(),
                    columns.len()
                ));
            }
        }
        if let Some(t) = types.iter().find(|t| !of_type(t, "")) {
            return Err(format!("line {n}: unknown data type {t:?}"));
        }
        if let Some(v) = g.iter().find(|v| *v != "true" && *v != "false") {
            return Err(format!("line {n}: #group value {v:?}"));
        }
        row_default = d;
        open = Some(Block {
            columns,
            types,
            rows: Vec::new(),
        });
    }
    if let Some(b) = open.take() {
        blocks.push(b);
    }
    if !ended_with_empty {
        return Err("the last result does not end with an empty line".into());
    }
    Ok(blocks)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "#datatype,string,long,dateTime:RFC3339,double,string\r\n\
#group,false,false,false,false,true\r\n\
#default,_result,,,,\r\n\
,result,table,_time,_value,writer\r\n\
,,0,2024-01-01T00:00:00Z,1.5,w00\r\n\
,,1,2024-01-01T00:00:00.001Z,2,\"w,01\"\r\n\
\r\n";

    #[test]
    fn a_well_formed_answer_is_read() {
        let b = parse(GOOD.as_bytes()).unwrap();
        assert_eq!(b.len(), 1);
        assert_eq!(b[0].rows.len(), 2);
        assert_eq!(b[0].rows[1][0], "_result");
        assert_eq!(b[0].rows[1][4], "w,01");
        assert_eq!(parse(b"\r\n").unwrap(), Vec::<Block>::new());
        // Two results, and two blocks of one result with their own annotations.
        let two = format!("{GOOD}{}", GOOD.replace("_result", "other"));
        let b = parse(two.as_bytes()).unwrap();
        assert_eq!((b.len(), b[1].rows[0][0].as_str()), (2, "other"));
        let shapes = GOOD.replace(
            "\r\n\r\n",
            "\r\n#datatype,string,long,long\r\n#group,false,false,true\r\n#default,_result,,\r\n,result,table,n\r\n,,2,7\r\n\r\n",
        );
        let b = parse(shapes.as_bytes()).unwrap();
        assert_eq!(b.len(), 2);
        assert_eq!(
            b[1].rows,
            vec![vec!["_result".to_string(), "2".into(), "7".into()]]
        );
    }

    #[test]
    fn malformed_answers_are_refused() {
        let bad = [
            GOOD.replace(",1.5,", ",x,"),
            GOOD.replace(",,1,", ",,one,"),
            GOOD.replace("#group,false,false,false,false,true\r\n", ""),
            GOOD.replace("00.001Z", "00.001"),
            GOOD.replace(",w00", ",w00,extra"),
            GOOD.trim_end_matches("\r\n").to_string(),
            GOOD.replace("\r\n", "\n"),
            "#datatype,string,string\r\n#group,true,true\r\n#default,,\r\n,error,reference\r\n,boom,\r\n\r\n".into(),
        ];
        for b in bad {
            assert!(parse(b.as_bytes()).is_err(), "{b}");
        }
    }
}
