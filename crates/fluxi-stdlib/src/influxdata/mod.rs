//! `influxdata/*` packages.

pub(crate) mod influxdb;
