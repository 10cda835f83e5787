//! Declared functions that need an outside service fluxi does not connect to: each fails
//! with `not supported: PKG.NAME (needs SERVICE)` (`fluxi::eval::not_supported`), so a
//! script that mentions one type-checks and says plainly what is missing when it runs.

use fluxi_eval::Registry;

/// (package, function, the service it needs).
const NEEDS_SERVICE: &[(&str, &str, &str)] = &[
    ("experimental/iox", "from", "an InfluxDB IOx server"),
    ("experimental/iox", "sql", "an InfluxDB IOx server"),
];

pub fn register(r: &mut Registry) {
    for (package, name, needs) in NEEDS_SERVICE {
        r.unsupported(package, name, needs);
    }
}
