//! Events: something that happened (`signup`, `deploy`), with an optional value, tags
//! and properties, stored as a point of a measurement named after the event.

use super::{check_name, check_tags, MetricError, MetricKind};
use crate::writer::CheckedPoint;
use fluxi_storage::FieldValue;

/// The value of an event's property: stored as a field of that type.
#[derive(Debug, Clone, PartialEq)]
pub enum PropertyValue {
    /// A finite number (a float field).
    Number(f64),
    /// Text (a string field).
    Text(String),
    /// A boolean field.
    Bool(bool),
}

/// A checked event: a measurement named `name` whose fields are `value` (when given) and
/// the properties; an event with neither has `value` 1, so that it can be counted and
/// summed like any other.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    name: String,
    value: Option<f64>,
    time: i64,
    tags: Vec<(String, String)>,
    properties: Vec<(String, PropertyValue)>,
}

impl Event {
    /// An event, checked: its name and tags as a metric's ([`super::Metric::new`]); the
    /// value finite; property keys not empty, not `value` or `time`, not a metric type's
    /// name (`gauge`, `counter`, `distribution`, `set`, which mark metrics), not starting
    /// with `_`, without control characters or a trailing backslash, each once; numbers
    /// finite.
    pub fn new<K: Into<String>, V: Into<String>>(
        name: impl Into<String>,
        value: Option<f64>,
        time: i64,
        tags: impl IntoIterator<Item = (K, V)>,
        properties: Vec<(String, PropertyValue)>,
    ) -> Result<Event, MetricError> {
        let name = name.into();
        check_name(&name, "event")?;
        if let Some(v) = value.filter(|v| !v.is_finite()) {
            return Err(MetricError::new(
                "invalid_value",
                format!("event {name:?}: the value {v} is not a finite number"),
            ));
        }
        let tags = check_tags(&name, "event", tags)?;
        let mut props: Vec<(String, PropertyValue)> = Vec::with_capacity(properties.len());
        for (k, v) in properties {
            let bad_key = k.is_empty()
                || k.starts_with('_')
                || k == "value"
                || k == "time"
                || MetricKind::parse(&k).is_some()
                || k.chars().any(char::is_control)
                || k.ends_with('\\');
            if bad_key {
                return Err(MetricError::new(
                    "invalid_properties",
                    format!(
                        "event {name:?}: property key {k:?} is not allowed (keys are not \
                         empty, not `value`, `time`, `gauge`, `counter`, `distribution` or \
                         `set`, do not start with `_`, and have no control characters)"
                    ),
                ));
            }
            if tags.iter().any(|(t, _)| *t == k) {
                return Err(MetricError::new(
                    "invalid_properties",
                    format!("event {name:?}: {k:?} is both a tag and a property"),
                ));
            }
            if let PropertyValue::Number(f) = v {
                if !f.is_finite() {
                    return Err(MetricError::new(
                        "invalid_properties",
                        format!("event {name:?}: property {k:?} is not a finite number ({f})"),
                    ));
                }
            }
            if props.iter().any(|(p, _)| *p == k) {
                return Err(MetricError::new(
                    "invalid_properties",
                    format!("event {name:?}: property {k:?} is given twice"),
                ));
            }
            props.push((k, v));
        }
        props.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(Event {
            name,
            value,
            time,
            tags,
            properties: props,
        })
    }

    /// The name (its measurement).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The value, when given.
    pub fn value(&self) -> Option<f64> {
        self.value
    }

    /// The time, nanoseconds since the Unix epoch.
    pub fn time(&self) -> i64 {
        self.time
    }

    /// The tags, sorted by key.
    pub fn tags(&self) -> &[(String, String)] {
        &self.tags
    }

    /// The properties, sorted by key.
    pub fn properties(&self) -> &[(String, PropertyValue)] {
        &self.properties
    }

    /// The point it is stored as.
    pub fn to_point(&self) -> CheckedPoint {
        let mut fields: Vec<(String, FieldValue)> = self
            .properties
            .iter()
            .map(|(k, v)| {
                let v = match v {
                    PropertyValue::Number(f) => FieldValue::Float(*f),
                    PropertyValue::Text(s) => FieldValue::String(s.clone()),
                    PropertyValue::Bool(b) => FieldValue::Bool(*b),
                };
                (k.clone(), v)
            })
            .collect();
        if self.value.is_some() || fields.is_empty() {
            fields.push(("value".into(), FieldValue::Float(self.value.unwrap_or(1.0))));
        }
        fields.sort_by(|a, b| a.0.cmp(&b.0));
        CheckedPoint {
            measurement: self.name.clone(),
            tags: self.tags.clone(),
            fields,
            time: self.time,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_is_a_point_of_its_value_and_properties() {
        let e = Event::new(
            "signup",
            None,
            5,
            [("plan", "pro")],
            vec![
                ("source".into(), PropertyValue::Text("ad".into())),
                ("age".into(), PropertyValue::Number(31.0)),
                ("trial".into(), PropertyValue::Bool(true)),
            ],
        )
        .unwrap();
        let p = e.to_point();
        let keys: Vec<&str> = p.fields.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["age", "source", "trial"]);
        let bare = Event::new("deploy", None, 5, [("a", "b")], vec![]).unwrap();
        assert_eq!(
            bare.to_point().fields,
            vec![("value".into(), FieldValue::Float(1.0))]
        );
        let valued = Event::new(
            "deploy",
            Some(3.5),
            5,
            Vec::<(String, String)>::new(),
            vec![],
        )
        .unwrap();
        assert_eq!(
            valued.to_point().fields,
            vec![("value".into(), FieldValue::Float(3.5))]
        );
    }

    #[test]
    fn bad_events_are_refused_with_their_code() {
        let none: Vec<(String, String)> = Vec::new();
        let code = |props: Vec<(String, PropertyValue)>| {
            Event::new("e", None, 0, none.clone(), props)
                .unwrap_err()
                .code
        };
        assert_eq!(
            code(vec![("value".into(), PropertyValue::Bool(true))]),
            "invalid_properties"
        );
        assert_eq!(
            code(vec![("gauge".into(), PropertyValue::Bool(true))]),
            "invalid_properties"
        );
        assert_eq!(
            code(vec![("x".into(), PropertyValue::Number(f64::INFINITY))]),
            "invalid_properties"
        );
        assert_eq!(
            Event::new("", None, 0, none.clone(), vec![])
                .unwrap_err()
                .code,
            "missing_name"
        );
        assert_eq!(
            Event::new("e", Some(f64::NAN), 0, none, vec![])
                .unwrap_err()
                .code,
            "invalid_value"
        );
    }
}
