//! The standard library's builtins, implemented in Rust and bound to the `builtin`
//! declarations of `stdlib/<package>/<package>.flux` by package and name.
//!
//! [`registry`] returns every implementation; [`implemented`] says whether a declared
//! builtin has one (the README's support table is generated from it).

//! Modules follow Flux's packages: `universe/` (one file per family of functions),
//! `influxdata/influxdb/` (`from`, `to`, `buckets`, `schema` and `tasks`), `join`, `strings`,
//! `regexp`, `math`, `array`, `bitwise`, `date`, `testing`, `types`, `interpolate`,
//! `generate`, `events` (`contrib/tomhollingworth/events`), `sampledata`, `http` (with
//! `http/requests`), `json`, `record` (`experimental/record`), `alerts` (`slack`,
//! `pagerduty`), `log`, `promql` (`internal/promql`), `prometheus`
//! (`experimental/prometheus.scrape`: the text format over HTTP), `geo` (`experimental/geo`: S2 cells, coverings and
//! distances on the sphere), `experimental` (`group`, `set`, `objectKeys`, `join`, `chain`,
//! `alignTime` and `preview`, and the universe aggregates it shares; `table.fill`
//! in `experimental/table`, `json.parse` in `experimental/json`; its `to` is with
//! `influxdb.wideTo`), `gen` (`internal/gen.tables`, drawing from `gorand`, a
//! reproduction of Go's `math/rand`), `polyline` (`experimental/polyline`); `constants` holds the values
//! of non-function builtins of every package; `util` and `vectorize` are shared helpers.

mod alerts;
mod array;
mod bitwise;
mod constants;
mod contrib;
pub mod date;
mod events;
mod experimental;
mod fold;
mod gen;
mod generate;
mod geo;
mod gorand;
pub mod http;
mod influxdata;
mod interpolate;
mod join;
mod json;
mod log;
mod math;
mod outside;
mod polyline;
mod prometheus;
mod promql;
mod record;
mod regexp;
mod sampledata;
mod strings;
mod testing;
mod types;
mod universe;
mod util;
mod vectorize;

pub use vectorize::VECTORIZED;

use fluxi_eval::Registry;

/// Every builtin fluxi implements.
pub fn registry() -> Registry {
    let mut r = Registry::new();
    constants::register(&mut r);
    universe::conv::register(&mut r);
    universe::conv::register_dict(&mut r);
    date::register(&mut r);
    experimental::register(&mut r);
    experimental::table::register(&mut r);
    experimental::rows::register(&mut r);
    experimental::dynamic::register(&mut r);
    experimental::join::register(&mut r);
    experimental::json::register(&mut r);
    interpolate::register(&mut r);
    generate::register(&mut r);
    gen::register(&mut r);
    geo::register(&mut r);
    events::register(&mut r);
    sampledata::register(&mut r);
    universe::indicators::register(&mut r);
    join::register(&mut r);
    universe::meta::register(&mut r);
    influxdata::influxdb::schema::register(&mut r);
    influxdata::influxdb::tasks::register(&mut r);
    universe::series::register(&mut r);
    influxdata::influxdb::register(&mut r);
    strings::register(&mut r);
    regexp::register(&mut r);
    math::register(&mut r);
    array::register(&mut r);
    bitwise::register(&mut r);
    universe::tables::register(&mut r);
    testing::register(&mut r);
    types::register(&mut r);
    universe::transforms::register(&mut r);
    universe::windows::register(&mut r);
    http::register(&mut r);
    json::register(&mut r);
    record::register(&mut r);
    alerts::register(&mut r);
    influxdata::influxdb::secrets::register(&mut r);
    log::register(&mut r);
    promql::register(&mut r);
    prometheus::register(&mut r);
    polyline::register(&mut r);
    experimental::iox::register(&mut r);
    contrib::register(&mut r);
    outside::register(&mut r);
    plan_nodes(&mut r);
    experimental::register_universe_aliases(&mut r);
    r
}

/// The builtins that join a plan not read yet as nodes, and how they consume their
/// input. A builtin is listed as `PerTable` only when its output for a stream is its
/// outputs for each table in turn (its implementation is one loop over the tables with
/// nothing carried from one table to the next); `PerTableMerged` when it also merges
/// tables whose key it changed; anything else that may be listed is `Whole`.
fn plan_nodes(r: &mut Registry) {
    use fluxi_exec::logical::CallKind::{PerTable, PerTableMerged, Whole};
    for (name, kind) in [
        ("map", PerTable),
        ("fill", PerTable),
        ("difference", PerTable),
        ("cumulativeSum", PerTable),
        ("elapsed", PerTable),
        ("timeShift", PerTable),
        ("limit", PerTable),
        ("tail", PerTable),
        ("duplicate", PerTable),
        ("set", PerTable),
        ("keep", PerTableMerged),
        ("drop", PerTableMerged),
        ("sort", Whole),
        ("group", Whole),
    ] {
        r.plan_node("universe", name, kind);
    }
}

/// Whether `package.name` has an implementation.
pub fn implemented(package: &str, name: &str) -> bool {
    registry().implements(package, name)
}
