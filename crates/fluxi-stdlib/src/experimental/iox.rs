//! `experimental/iox`: `sqlInterval`, a duration as an SQL interval. (`from` and `sql`
//! need an IOx server: see `crate::outside`.)

use fluxi_eval::{Args, EvalError, Interpreter, Registry};
use fluxi_value::Value;

pub fn register(r: &mut Registry) {
    r.register("experimental/iox", "sqlInterval", sql_interval);
}

/// `sqlInterval(d:)`: the duration's Flux text, each `<digits><unit>` run written as
/// `<digits> <unit word>`, separated by spaces.
fn sql_interval(_: &mut Interpreter, a: &mut Args) -> Result<Value, EvalError> {
    let d = a
        .opt_duration("d")?
        .ok_or_else(|| EvalError::msg("missing required argument `d`"))?;
    Ok(Value::string(interval_text(&d.to_string())))
}

/// The unit words of an SQL interval, by Flux duration unit.
fn unit_word(unit: &str) -> Option<&'static str> {
    Some(match unit {
        "ns" => "nanoseconds",
        "us" | "µs" => "microseconds",
        "ms" => "milliseconds",
        "s" => "seconds",
        "m" => "minutes",
        "h" => "hours",
        "d" => "days",
        "w" => "weeks",
        "mo" => "months",
        "y" => "years",
        _ => return None,
    })
}

/// `text` split into runs of digits and runs of anything else, the latter turned into
/// unit words (a run that is no unit, such as the `-` of a negative duration, kept as it
/// is), joined by single spaces.
fn interval_text(text: &str) -> String {
    let mut words: Vec<String> = Vec::new();
    let mut run = String::new();
    let mut run_is_digits = false;
    let flush = |run: &mut String, is_digits: bool, words: &mut Vec<String>| {
        if run.is_empty() {
            return;
        }
        let word = if is_digits {
            run.clone()
        } else {
            unit_word(run).map_or_else(|| run.clone(), str::to_string)
        };
        words.push(word);
        run.clear();
    };
    for c in text.chars() {
        let digit = c.is_ascii_digit();
        if !run.is_empty() && digit != run_is_digits {
            flush(&mut run, run_is_digits, &mut words);
        }
        run_is_digits = digit;
        run.push(c);
    }
    flush(&mut run, run_is_digits, &mut words);
    words.join(" ")
}

#[cfg(test)]
mod tests {
    use super::interval_text;

    #[test]
    fn units_become_words() {
        for (text, want) in [
            ("12y3mo4w", "12 years 3 months 4 weeks"),
            ("1w6d10h5m", "1 weeks 6 days 10 hours 5 minutes"),
            ("2m3s56ms", "2 minutes 3 seconds 56 milliseconds"),
            ("123us56ns", "123 microseconds 56 nanoseconds"),
            ("0ns", "0 nanoseconds"),
            ("-1h30m", "- 1 hours 30 minutes"),
        ] {
            assert_eq!(interval_text(text), want, "{text}");
        }
    }
}
