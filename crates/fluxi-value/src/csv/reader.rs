//! CSV records as Go's `encoding/csv` reads them with `LazyQuotes`: quoted fields may hold
//! commas, quotes (`""`) and line breaks; a quote inside an unquoted field is literal;
//! blank lines are skipped.

/// One record and the (1-based) line it starts on.
pub struct CsvRecord {
    pub line: usize,
    pub fields: Vec<String>,
}

pub fn records(text: &str) -> Vec<CsvRecord> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let mut line = 1;
    while i < chars.len() {
        let start_line = line;
        let mut fields = Vec::new();
        let mut field = String::new();
        let mut at_field_start = true;
        let mut in_quotes = false;
        let mut record_done = false;
        while i < chars.len() && !record_done {
            let c = chars[i];
            if in_quotes {
                if c == '"' {
                    if chars.get(i + 1) == Some(&'"') {
                        field.push('"');
                        i += 2;
                        continue;
                    }
                    in_quotes = false;
                    i += 1;
                    continue;
                }
                if c == '\n' {
                    line += 1;
                }
                if c == '\r' && chars.get(i + 1) == Some(&'\n') {
                    i += 1;
                    continue;
                }
                field.push(c);
                i += 1;
                continue;
            }
            match c {
                '"' if at_field_start => {
                    in_quotes = true;
                    at_field_start = false;
                }
                ',' => {
                    fields.push(std::mem::take(&mut field));
                    at_field_start = true;
                }
                '\n' => {
                    line += 1;
                    record_done = true;
                }
                '\r' if chars.get(i + 1) == Some(&'\n') => {}
                _ => {
                    field.push(c);
                    at_field_start = false;
                }
            }
            i += 1;
        }
        fields.push(field);
        let blank = fields.len() == 1 && fields[0].is_empty();
        if !blank {
            out.push(CsvRecord {
                line: start_line,
                fields,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_rules() {
        let r = records("a,\"b,c\",\"d\"\"e\"\n\n\"multi\nline\",x\"y\r\n");
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].fields, ["a", "b,c", "d\"e"]);
        assert_eq!(r[1].fields, ["multi\nline", "x\"y"]);
        assert_eq!(r[1].line, 3);
    }
}
