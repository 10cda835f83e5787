//! A blocking client of the InfluxDB 2 HTTP API, for `fluxi serve` and InfluxDB 2 alike,
//! on `std::net` alone (no async runtime):
//!
//! * [`HttpSink`]: the [`fluxi::writer::BufferedWriter`]'s batches posted as line
//!   protocol to `/api/v2/write`, with retries and backoff on 5xx and 429 (honouring
//!   `Retry-After`), points kept buffered while the server cannot take them, and refused
//!   points reported — so an application can record metrics into a remote server without
//!   depending on the server crate.
//! * [`MetricsApiSink`]: a [`fluxi::metrics::Metrics`] handle's gauges, counters,
//!   distributions and sets posted to `fluxi serve`'s metrics API.
//! * [`Api`]: onboarding, organizations, buckets, authorizations, tasks (their runs and
//!   logs), query (streamed annotated CSV) and write, as typed calls (what the `fluxi` command asks a server).
//! * [`Client`]: the HTTP/1.1 client under both (one kept-alive connection, timeouts),
//!   and [`request`] for a one-off request.

pub mod api;
mod error;
pub mod http;
mod metrics;
mod sink;
pub mod tasks;

pub use api::{Api, Authorization, Bucket, Org, OrgRef, Permission, Resource, Setup, SetupResult};
pub use error::{ApiError, ClientError};
pub use http::{request, Answer, Client, Request, Response};
pub use metrics::MetricsApiSink;
pub use sink::{retry_after, HttpSink, RetryPolicy};
pub use tasks::{LogEvent, NewTask, Run, Task, TaskChanges};
