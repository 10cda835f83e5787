//! [`FlightSqlStorage`]: fluxi's [`Storage`] trait over a Flight SQL engine.

use crate::catalog::{Catalog, Measurement};
use crate::conn::{Connection, WireStats};
use crate::shape::{Shaper, TimeColumn};
use crate::sql;
use crate::url::FlightSqlUrl;
use fluxi_storage::{
    storage::Result, Aggregate, Applied, BucketInfo, Point, Predicate, ReadResult, ReadSpec,
    Storage, StorageError, Windowing,
};
use fluxi_value::{ColumnType, Table};
use std::collections::BTreeSet;
use std::sync::Arc;

/// A read-only store over an Arrow Flight SQL engine (Apache Ballista, InfluxDB 3): a
/// bucket is a schema of the engine's catalog (or, with `database=`, the database), a
/// measurement a table. See the crate's documentation.
#[derive(Debug)]
pub struct FlightSqlStorage {
    conn: Connection,
}

/// One statement of a read: a field of a measurement.
struct Part<'c> {
    m: &'c Measurement,
    field: &'c str,
    ty: ColumnType,
}

impl FlightSqlStorage {
    /// Connect to the engine at `url`, registering `register=`'s Parquet files first.
    pub fn connect(url: &FlightSqlUrl) -> Result<FlightSqlStorage> {
        let conn = Connection::connect(url, url.register.is_some())?;
        let storage = FlightSqlStorage { conn };
        storage.register()?;
        Ok(storage)
    }

    /// Connect to `flightsql://HOST:PORT[?...]`.
    pub fn open(url: &str) -> Result<FlightSqlStorage> {
        let url = FlightSqlUrl::parse(url).map_err(|e| StorageError::Backend(e.to_string()))?;
        FlightSqlStorage::connect(&url)
    }

    /// What crossed the wire so far, and the statements sent.
    pub fn stats(&self) -> &Arc<WireStats> {
        self.conn.stats()
    }

    fn register(&self) -> Result<()> {
        match &self.conn.url().register {
            Some(dir) => crate::register::register(&self.conn, dir).map(|_| ()),
            None => Ok(()),
        }
    }

    /// Runs `f`; when the engine has forgotten the session (Ballista drops sessions idle
    /// for 30 minutes), opens a new one, registers again, and runs `f` once more.
    fn retrying<T>(&self, mut f: impl FnMut(&Connection) -> Result<T>) -> Result<T> {
        match f(&self.conn) {
            Err(StorageError::Backend(m)) if m.contains("expired session token") => {
                self.conn.handshake()?;
                self.register()?;
                f(&self.conn)
            }
            other => other,
        }
    }

    fn catalog(&self) -> Result<Catalog> {
        let tables = self.retrying(Connection::tables)?;
        Ok(Catalog::from_tables(
            tables,
            self.conn.url().database.as_deref(),
        ))
    }

    /// The fields of the bucket's measurements a read may touch, in the order their
    /// tables sort, and whether that order holds without sorting (it does unless a tag
    /// name sorts before `_measurement`: such tags are compared before the field).
    fn parts<'c>(catalog: &'c Catalog, bucket: &str) -> Result<(Vec<Part<'c>>, bool)> {
        let b = catalog.bucket(bucket)?;
        let mut parts: Vec<Part<'c>> = b
            .values()
            .flat_map(|m| {
                m.fields.iter().map(move |(f, ty)| Part {
                    m,
                    field: f.as_str(),
                    ty: *ty,
                })
            })
            .collect();
        parts.sort_by(|a, b| (a.field, &a.m.name).cmp(&(b.field, &b.m.name)));
        let in_order = b
            .values()
            .all(|m| m.tags.iter().all(|t| t.as_str() > "_measurement"));
        Ok((parts, in_order))
    }

    /// Run one statement per part, shaping the answers; tables go to `sink` in
    /// group-key order.
    fn each(
        &self,
        spec: &ReadSpec,
        statement: &dyn Fn(&Part<'_>) -> Option<String>,
        shaper: &dyn Fn(&Part<'_>) -> Shaper,
        sink: &mut dyn FnMut(Table) -> bool,
    ) -> Result<()> {
        let catalog = self.catalog()?;
        let (parts, in_order) = Self::parts(&catalog, &spec.bucket)?;
        if spec.start >= spec.stop {
            return Ok(());
        }
        let mut held: Vec<Table> = Vec::new();
        let mut go_on = true;
        for part in &parts {
            let Some(sql) = statement(part) else {
                continue;
            };
            let mut emit = |t: Table| -> Result<bool> {
                // Once the reader has said stop, nothing more reaches it (the last
                // series is still finished after the fetch stops).
                if !go_on {
                    return Ok(false);
                }
                if in_order {
                    go_on = sink(t);
                } else {
                    held.push(t);
                }
                Ok(go_on)
            };
            let mut shaper = shaper(part);
            self.retrying(|conn| conn.query(&sql, &mut |batch| shaper.push(&batch, &mut emit)))?;
            shaper.finish(&mut emit)?;
            if !go_on {
                return Ok(());
            }
        }
        held.sort_by(|a, b| a.key().cmp(b.key()));
        for t in held {
            if !sink(t) {
                break;
            }
        }
        Ok(())
    }

    fn applied(spec: &ReadSpec) -> Vec<Applied> {
        spec.predicates
            .iter()
            .map(|p| {
                if sql::pushable(p) {
                    Applied::Exact
                } else {
                    Applied::Unsupported
                }
            })
            .collect()
    }

    /// The SQL statements a read (or an aggregate read) sends, for `explain`.
    pub fn statements(
        &self,
        spec: &ReadSpec,
        aggregate: Option<(Aggregate, Option<Windowing>)>,
    ) -> Result<Vec<String>> {
        let catalog = self.catalog()?;
        let (parts, _) = Self::parts(&catalog, &spec.bucket)?;
        let mut out: Vec<String> = parts
            .iter()
            .filter_map(|p| match aggregate {
                Some((a, w)) if sql::pushed(a) => sql::aggregate_statement(
                    p.m,
                    p.field,
                    spec.start,
                    spec.stop,
                    &spec.predicates,
                    a,
                    w.as_ref(),
                ),
                _ => sql::read_statement(p.m, p.field, spec.start, spec.stop, &spec.predicates),
            })
            .collect();
        if let Some((a, _)) = aggregate.filter(|(a, _)| !sql::pushed(*a)) {
            out.push(format!(
                "-- {} computed by fluxi from these rows, in time order",
                a.name()
            ));
        }
        Ok(out)
    }
}

/// The shaper of a part's answers: values of type `ty`, `_time` from `time`.
fn shaper(spec: &ReadSpec, p: &Part<'_>, ty: ColumnType, time: TimeColumn) -> Shaper {
    let tags = sql::tags_in_key_order(p.m).into_iter().map(String::from);
    Shaper::new(
        (spec.start, spec.stop),
        &p.m.name,
        p.field,
        tags.collect(),
        ty,
        time,
    )
}

fn read_only(what: &str) -> StorageError {
    StorageError::ReadOnly(format!(
        "{what}: this storage is read-only (a Flight SQL engine; write to the engine itself)"
    ))
}

impl Storage for FlightSqlStorage {
    fn buckets(&self) -> Result<Vec<BucketInfo>> {
        Ok(self
            .catalog()?
            .buckets
            .into_keys()
            .map(|name| BucketInfo {
                name,
                retention: None,
            })
            .collect())
    }

    fn create_bucket(&self, name: &str, _: Option<i64>) -> Result<()> {
        Err(read_only(&format!("cannot create bucket \"{name}\"")))
    }

    fn delete_bucket(&self, name: &str) -> Result<()> {
        Err(read_only(&format!("cannot delete bucket \"{name}\"")))
    }

    fn write(&self, bucket: &str, _: &[Point]) -> Result<usize> {
        Err(read_only(&format!("cannot write to bucket \"{bucket}\"")))
    }

    fn write_line_protocol(
        &self,
        bucket: &str,
        _: &[u8],
        _: &fluxi_storage::ParseOptions,
    ) -> Result<usize> {
        Err(read_only(&format!("cannot write to bucket \"{bucket}\"")))
    }

    fn read(&self, spec: &ReadSpec) -> Result<ReadResult> {
        let mut tables = Vec::new();
        self.read_each(spec, &mut |t| {
            tables.push(t);
            true
        })?;
        Ok(ReadResult {
            tables,
            applied: Self::applied(spec),
        })
    }

    fn read_each(&self, spec: &ReadSpec, sink: &mut dyn FnMut(Table) -> bool) -> Result<()> {
        self.each(
            spec,
            &|p| sql::read_statement(p.m, p.field, spec.start, spec.stop, &spec.predicates),
            &|p| shaper(spec, p, p.ty, TimeColumn::Point),
            sink,
        )
    }

    fn predicate_pushdown(&self, predicate: &Predicate) -> Applied {
        if sql::pushable(predicate) {
            Applied::Exact
        } else {
            Applied::Unsupported
        }
    }

    /// Every aggregate: those [`sql::pushed`] as SQL, `sum` and `mean` from the streamed
    /// rows with fluxi-storage's reference accumulator (in time order, so the answer is
    /// the embedded store's to the bit).
    fn aggregate_pushdown(&self, _: Aggregate, _: Option<Windowing>) -> Applied {
        Applied::Exact
    }

    fn read_aggregate(
        &self,
        spec: &ReadSpec,
        aggregate: Aggregate,
        window: Option<Windowing>,
    ) -> Result<Option<ReadResult>> {
        if !spec.predicates.iter().all(sql::pushable) {
            return Ok(None);
        }
        if !sql::pushed(aggregate) {
            // Series by series as they stream: one series' rows held at a time.
            let mut tables = Vec::new();
            let mut declined = false;
            let mut failed = None;
            self.read_each(spec, &mut |t| {
                let one = ReadResult {
                    tables: vec![t],
                    applied: Vec::new(),
                };
                match fluxi_storage::aggregate::aggregate_read(one, spec.start, aggregate, window) {
                    Ok(Some(r)) => {
                        tables.extend(r.tables);
                        true
                    }
                    Ok(None) => {
                        declined = true;
                        false
                    }
                    Err(e) => {
                        failed = Some(e);
                        false
                    }
                }
            })?;
            if let Some(e) = failed {
                return Err(e);
            }
            // A type the aggregate does not apply to: fluxi computes it (and says why not).
            if declined {
                return Ok(None);
            }
            return Ok(Some(ReadResult {
                tables,
                applied: Self::applied(spec),
            }));
        }
        // Selectors by value apply to numbers only: fluxi computes (and refuses) the rest.
        if matches!(aggregate, Aggregate::Min | Aggregate::Max) {
            let catalog = self.catalog()?;
            let (parts, _) = Self::parts(&catalog, &spec.bucket)?;
            let numeric =
                |t: ColumnType| matches!(t, ColumnType::Float | ColumnType::Int | ColumnType::UInt);
            let touched = parts.iter().filter(|p| {
                sql::read_statement(p.m, p.field, spec.start, spec.stop, &spec.predicates).is_some()
            });
            if !touched.into_iter().all(|p| numeric(p.ty)) {
                return Ok(None);
            }
        }
        let time = match (aggregate, window) {
            (Aggregate::Count, Some(_)) => TimeColumn::WindowStart,
            (Aggregate::Count, None) => TimeColumn::RangeStart,
            _ => TimeColumn::Point,
        };
        let mut tables = Vec::new();
        self.each(
            spec,
            &|p| {
                sql::aggregate_statement(
                    p.m,
                    p.field,
                    spec.start,
                    spec.stop,
                    &spec.predicates,
                    aggregate,
                    window.as_ref(),
                )
            },
            &|p| {
                let ty = if aggregate == Aggregate::Count {
                    ColumnType::Int
                } else {
                    p.ty
                };
                shaper(spec, p, ty, time)
            },
            &mut |t| {
                tables.push(t);
                true
            },
        )?;
        Ok(Some(ReadResult {
            tables,
            applied: Self::applied(spec),
        }))
    }

    fn describe_read(
        &self,
        spec: &ReadSpec,
        aggregate: Option<(Aggregate, Option<Windowing>)>,
    ) -> Option<Vec<String>> {
        let statements = self.statements(spec, aggregate);
        Some(match statements {
            Ok(s) if s.iter().all(|s| s.starts_with("--")) => {
                vec!["-- no statement: nothing can match".into()]
            }
            Ok(s) => s
                .into_iter()
                .map(|s| {
                    if s.starts_with("--") {
                        s
                    } else {
                        format!("sql: {s}")
                    }
                })
                .collect(),
            Err(e) => vec![format!("-- the statements cannot be shown: {e}")],
        })
    }

    fn measurements(&self, bucket: &str) -> Result<Vec<String>> {
        let catalog = self.catalog()?;
        let b = catalog.bucket(bucket)?;
        Ok(b.keys().cloned().collect())
    }

    fn tag_keys(&self, bucket: &str, measurement: Option<&str>) -> Result<Vec<String>> {
        self.union(bucket, measurement, |m| m.tags.clone())
    }

    fn field_keys(&self, bucket: &str, measurement: Option<&str>) -> Result<Vec<String>> {
        self.union(bucket, measurement, |m| {
            m.fields.iter().map(|(f, _)| f.clone()).collect()
        })
    }

    fn tag_values(
        &self,
        bucket: &str,
        tag: &str,
        measurement: Option<&str>,
    ) -> Result<Vec<String>> {
        let catalog = self.catalog()?;
        let b = catalog.bucket(bucket)?;
        let mut out = BTreeSet::new();
        for m in b.values() {
            if measurement.is_some_and(|x| x != m.name) || !m.tags.iter().any(|t| t == tag) {
                continue;
            }
            let col = sql::ident(tag);
            let statement = format!(
                "SELECT DISTINCT CAST({col} AS VARCHAR) AS \"v\" FROM {} WHERE {col} IS NOT NULL",
                m.table
            );
            self.retrying(|conn| {
                conn.query(&statement, &mut |batch| {
                    let v = arrow_cast::cast(batch.column(0), &arrow_schema::DataType::Utf8)
                        .map_err(|e| StorageError::Backend(e.to_string()))?;
                    let v = v
                        .as_any()
                        .downcast_ref::<arrow_array::StringArray>()
                        .ok_or_else(|| StorageError::Backend("tag values: not strings".into()))?;
                    out.extend(v.iter().flatten().map(str::to_string));
                    Ok(true)
                })
            })?;
        }
        Ok(out.into_iter().collect())
    }
}

impl FlightSqlStorage {
    fn union(
        &self,
        bucket: &str,
        measurement: Option<&str>,
        of: impl Fn(&Measurement) -> Vec<String>,
    ) -> Result<Vec<String>> {
        let catalog = self.catalog()?;
        let b = catalog.bucket(bucket)?;
        let mut out = BTreeSet::new();
        for m in b.values() {
            if measurement.is_none_or(|x| x == m.name) {
                out.extend(of(m));
            }
        }
        Ok(out.into_iter().collect())
    }
}
