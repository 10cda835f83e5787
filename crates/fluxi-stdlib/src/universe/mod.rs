//! `universe`: the functions every script sees without an import, one file per family.
//! A few members of other packages live beside the universe function they share code
//! with (noted below).
//!
//! | file | functions |
//! |---|---|
//! | `tables.rs` | `range`, `filter`, `map`, `keep`, `drop`, `rename`, `group`, `sort`, `limit`, `tail`, `count`, `sum`, `mean`, `spread`, `first`, `last`, `min`, `max`, `yield`, `duplicate`, `set`; also `csv.from`, `array.from`, `experimental/array.from`, `internal/debug` and `testing/expect.planner` |
//! | `windows.rs` | `window`, `aggregateWindow`, `union`, `fill`, `difference` |
//! | `transforms.rs` | `pivot`, `join`, `reduce`, `cov`, `pearsonr`, `top`, `bottom`, `cumulativeSum`, `derivative`, `elapsed`, `timeShift`, `display` |
//! | `series.rs` | moving averages (`movingAverage`, EMA family), `increase`, `histogram`, `histogramQuantile`, state functions, bins, `sample`, `skew`, `covariance`, `hourSelection`, `truncateTimeColumn`, `today`, `highest*`/`lowest*` |
//! | `indicators.rs` | `chandeMomentumOscillator`, `tripleExponentialDerivative`, `kaufmansER`, `kaufmansAMA`, `relativeStrengthIndex`, `holtWinters`, `integral`, `timeWeightedAvg`, `timedMovingAverage`; also `experimental.unpivot`, `.kaufmansAMA`, `.integral` |
//! | `meta.rs` | `columns`, `keys`, `distinct`, `keyValues`, `unique`, `quantile`, `median`, `stddev`, `mode`, `to*` conversions of tables, `tableFind`, `getRecord`, `getColumn`, `findRecord`, `findColumn` |
//! | `conv.rs` | value conversions (`float`, `int`, `uint`, `string`, `bool`, `time`, `duration`, `bytes`), `now`, `length`, `contains`, `die`; also `system.time` and `dict` |

pub(crate) mod conv;
pub(crate) mod indicators;
pub(crate) mod meta;
pub(crate) mod series;
pub(crate) mod tables;
pub(crate) mod transforms;
pub(crate) mod windows;
