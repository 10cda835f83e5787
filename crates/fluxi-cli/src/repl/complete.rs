//! Tab completion for the REPL, from the text before the cursor: package members after
//! `pkg.`, parameter names where an argument starts, names in scope, package paths in `import "`,
//! bucket names in `bucket: "`, column names after `r.` or in `columns: ["`, and tag,
//! field and measurement values after `r.KEY == "`.

/// Where completions come from (the session and the store).
pub trait Source {
    /// Every name in scope.
    fn names(&mut self) -> Vec<String>;
    /// The members of an imported package, or `None` if `alias` is not one.
    fn members(&mut self, alias: &str) -> Option<Vec<String>>;
    /// The parameter names of a function (`name` or `pkg.name`).
    fn parameters(&mut self, callee: &str) -> Option<Vec<String>>;
    /// Every importable package path.
    fn packages(&mut self) -> Vec<String>;
    /// Every bucket of the store.
    fn buckets(&mut self) -> Vec<String>;
    /// The column names of rows read from `bucket` (every bucket when `None`).
    fn columns(&mut self, bucket: Option<&str>) -> Vec<String>;
    /// The values of column `column` (a tag, `_field` or `_measurement`) in `bucket`.
    fn values(&mut self, bucket: Option<&str>, column: &str) -> Vec<String>;
}

/// One completion: what is shown and what replaces the word being completed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    /// Shown in the list.
    pub display: String,
    /// Inserted.
    pub replacement: String,
}

const KEYWORDS: &[&str] = &[
    "and", "else", "exists", "false", "if", "import", "not", "option", "or", "return", "then",
    "true",
];

/// Complete the word that ends at `pos` in `text`: where it starts and the candidates.
pub fn complete(text: &str, pos: usize, src: &mut dyn Source) -> (usize, Vec<Completion>) {
    let before = text.get(..pos).unwrap_or(text);
    if let Some(quote) = open_string(before) {
        let start = quote + 1;
        let prefix = &before[start..];
        let context = before[..quote].trim_end();
        let words = string_candidates(context, text, src);
        return (start, matching(prefix, words, "\""));
    }
    let start = before
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_word(*c))
        .last()
        .map_or(before.len(), |(i, _)| i);
    let prefix = &before[start..];
    let head = &before[..start];
    if let Some(object) = head.strip_suffix('.') {
        let object_start = object
            .char_indices()
            .rev()
            .take_while(|(_, c)| is_word(*c))
            .last()
            .map_or(object.len(), |(i, _)| i);
        let object = &object[object_start..];
        if object.is_empty() {
            return (start, Vec::new());
        }
        let words = match src.members(object) {
            Some(members) => members,
            None => src.columns(bucket_in(text).as_deref()),
        };
        return (start, matching(prefix, words, ""));
    }
    // Flux arguments are always named: where an argument starts, only the function's
    // parameter names fit.
    if let Some(params) = argument_position(head).and_then(|f| src.parameters(&f)) {
        return (start, matching(prefix, params, ": "));
    }
    let mut names = src.names();
    names.extend(KEYWORDS.iter().map(|k| k.to_string()));
    (start, matching(prefix, names, ""))
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Candidates starting with `prefix`, sorted and unique, each followed by `suffix`.
fn matching(prefix: &str, mut words: Vec<String>, suffix: &str) -> Vec<Completion> {
    words.sort();
    words.dedup();
    words
        .into_iter()
        .filter(|w| w.starts_with(prefix))
        .map(|w| Completion {
            replacement: format!("{w}{suffix}"),
            display: w,
        })
        .collect()
}

/// The byte index of the quote opening an unterminated string at the end of `text`.
fn open_string(text: &str) -> Option<usize> {
    let mut open = None;
    let mut escaped = false;
    let mut in_comment = false;
    let mut prev = '\0';
    for (i, c) in text.char_indices() {
        if in_comment {
            in_comment = c != '\n';
            prev = c;
            continue;
        }
        match (open, c) {
            (Some(_), '\\') if !escaped => {
                escaped = true;
                prev = c;
                continue;
            }
            (Some(_), '"') if !escaped => open = None,
            (None, '"') => open = Some(i),
            (None, '/') if prev == '/' => in_comment = true,
            _ => {}
        }
        escaped = false;
        prev = c;
    }
    open
}

/// What belongs in a string, from the text before its opening quote.
fn string_candidates(context: &str, whole: &str, src: &mut dyn Source) -> Vec<String> {
    if context.ends_with("import") {
        return src.packages();
    }
    if context.ends_with("bucket:") {
        return src.buckets();
    }
    let bucket = bucket_in(whole);
    // `r["` and column-list arguments.
    let column_args = [
        "columns:",
        "column:",
        "rowKey:",
        "columnKey:",
        "valueColumn:",
        "timeColumn:",
        "groupColumns:",
    ];
    let in_list = innermost_open_bracket(context).map(str::trim_end);
    let is_column_list =
        in_list.is_some_and(|b| b.ends_with(is_word) || column_args.iter().any(|a| b.ends_with(a)));
    if is_column_list || column_args.iter().any(|a| context.ends_with(a)) {
        return src.columns(bucket.as_deref());
    }
    // `r.host == "` or `r["host"] == "`: that column's values.
    if let Some(lhs) = context
        .strip_suffix("==")
        .or_else(|| context.strip_suffix("!="))
    {
        let lhs = lhs.trim_end();
        let column = if let Some(l) = lhs.strip_suffix("\"]") {
            l.rsplit("[\"").next().map(str::to_string)
        } else {
            let word: String = lhs
                .chars()
                .rev()
                .take_while(|c| is_word(*c))
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            lhs[..lhs.len() - word.len()].ends_with('.').then_some(word)
        };
        if let Some(column) = column {
            return src.values(bucket.as_deref(), &column);
        }
    }
    Vec::new()
}

/// The text before the innermost `[` of `text` that is not closed (strings skipped).
fn innermost_open_bracket(text: &str) -> Option<&str> {
    let mut stack = Vec::new();
    let mut in_string = false;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        if in_string {
            match c {
                '\\' if !escaped => {
                    escaped = true;
                    continue;
                }
                '"' if !escaped => in_string = false,
                _ => {}
            }
            escaped = false;
            continue;
        }
        match c {
            '"' => in_string = true,
            '[' | '(' | '{' => stack.push((c, i)),
            ']' | ')' | '}' => {
                stack.pop();
            }
            _ => {}
        }
    }
    match stack.last() {
        Some(('[', i)) => text.get(..*i),
        _ => None,
    }
}

/// The bucket a `from(bucket: "NAME")` in the entry reads, if any.
fn bucket_in(text: &str) -> Option<String> {
    let at = text.rfind("bucket:")?;
    let rest = text[at + "bucket:".len()..]
        .trim_start()
        .strip_prefix('"')?;
    let end = rest.find('"')?;
    Some(rest[..end].to_string())
}

/// When the cursor is where an argument name goes (just after `(` or `,` of a call),
/// the function being called (`name` or `pkg.name`).
fn argument_position(head: &str) -> Option<String> {
    let trimmed = head.trim_end();
    if !(trimmed.ends_with('(') || trimmed.ends_with(',')) {
        return None;
    }
    // Find the innermost unclosed `(`.
    let mut depth = 0i32;
    let bytes = trimmed.as_bytes();
    let mut in_string = false;
    let mut open = None;
    for i in (0..bytes.len()).rev() {
        let b = bytes[i];
        if b == b'"' && (i == 0 || bytes[i - 1] != b'\\') {
            in_string = !in_string;
        }
        if in_string {
            continue;
        }
        match b {
            b')' | b']' | b'}' => depth += 1,
            b'[' | b'{' => {
                if depth == 0 {
                    return None; // inside a list or record, not an argument list
                }
                depth -= 1;
            }
            b'(' => {
                if depth == 0 {
                    open = Some(i);
                    break;
                }
                depth -= 1;
            }
            _ => {}
        }
    }
    let callee_end = trimmed[..open?].trim_end();
    let callee: String = callee_end
        .chars()
        .rev()
        .take_while(|c| is_word(*c) || *c == '.')
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    (!callee.is_empty()).then_some(callee)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fake;

    impl Source for Fake {
        fn names(&mut self) -> Vec<String> {
            ["from", "filter", "range", "strings", "threshold"]
                .map(String::from)
                .to_vec()
        }
        fn members(&mut self, alias: &str) -> Option<Vec<String>> {
            (alias == "strings").then(|| ["toUpper", "toLower", "title"].map(String::from).to_vec())
        }
        fn parameters(&mut self, callee: &str) -> Option<Vec<String>> {
            match callee {
                "range" => Some(vec!["start".into(), "stop".into()]),
                "strings.toUpper" => Some(vec!["v".into()]),
                _ => None,
            }
        }
        fn packages(&mut self) -> Vec<String> {
            vec!["strings".into(), "system".into(), "math".into()]
        }
        fn buckets(&mut self) -> Vec<String> {
            vec!["metrics".into(), "iot".into()]
        }
        fn columns(&mut self, bucket: Option<&str>) -> Vec<String> {
            let mut c = vec!["_value".to_string(), "_field".into()];
            if bucket == Some("metrics") {
                c.push("host".into());
            }
            c
        }
        fn values(&mut self, _bucket: Option<&str>, column: &str) -> Vec<String> {
            match column {
                "host" => vec!["web-1".into(), "db-1".into()],
                _ => Vec::new(),
            }
        }
    }

    fn words(text: &str) -> (usize, Vec<String>) {
        let (start, c) = complete(text, text.len(), &mut Fake);
        (start, c.into_iter().map(|c| c.replacement).collect())
    }

    #[test]
    fn package_members_after_a_dot() {
        assert_eq!(
            words("strings.to"),
            (8, vec!["toLower".into(), "toUpper".into()])
        );
        assert_eq!(
            words("x = strings."),
            (12, vec!["title".into(), "toLower".into(), "toUpper".into()])
        );
    }

    #[test]
    fn parameters_where_an_argument_starts() {
        let (start, w) = words("from(bucket: \"metrics\") |> range(st");
        assert_eq!(start, 33);
        assert_eq!(w, vec!["start: ".to_string(), "stop: ".to_string()]);
        let (_, w) = words("strings.toUpper(");
        assert_eq!(w.first().map(String::as_str), Some("v: "));
        // After a value, not an argument name: names in scope only.
        let (_, w) = words("range(start: thr");
        assert_eq!(w, vec!["threshold".to_string()]);
    }

    #[test]
    fn names_and_keywords() {
        assert_eq!(words("fil").1, vec!["filter".to_string()]);
        assert_eq!(
            words("x = i").1,
            vec!["if".to_string(), "import".to_string()]
        );
    }

    #[test]
    fn strings_by_context() {
        assert_eq!(words("import \"st").1, vec!["strings\"".to_string()]);
        assert_eq!(words("from(bucket: \"me").1, vec!["metrics\"".to_string()]);
        let text = "from(bucket: \"metrics\") |> filter(fn: (r) => r.h";
        assert_eq!(words(text).1, vec!["host".to_string()]);
        let text = "from(bucket: \"metrics\") |> filter(fn: (r) => r.host == \"w";
        assert_eq!(words(text).1, vec!["web-1\"".to_string()]);
        let text = "from(bucket: \"metrics\") |> keep(columns: [\"_value\", \"h";
        assert_eq!(words(text).1, vec!["host\"".to_string()]);
        let text = "from(bucket: \"metrics\") |> filter(fn: (r) => r[\"ho";
        assert_eq!(words(text).1, vec!["host\"".to_string()]);
        // A string with no known context completes nothing.
        assert!(words("x = \"we").1.is_empty());
    }
}
