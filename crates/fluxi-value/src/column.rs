//! The types a table column can have, and their Arrow representation.

use arrow_schema::{DataType, TimeUnit};
use std::fmt;

/// A column type: the basic types a Flux table can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ColumnType {
    /// `bool`
    Bool,
    /// `int`
    Int,
    /// `uint`
    UInt,
    /// `float`
    Float,
    /// `string`
    String,
    /// `time`
    Time,
}

impl ColumnType {
    /// The Arrow type storing it.
    pub fn arrow(self) -> DataType {
        match self {
            ColumnType::Bool => DataType::Boolean,
            ColumnType::Int => DataType::Int64,
            ColumnType::UInt => DataType::UInt64,
            ColumnType::Float => DataType::Float64,
            ColumnType::String => DataType::Utf8,
            ColumnType::Time => DataType::Timestamp(TimeUnit::Nanosecond, None),
        }
    }

    /// The column type of an Arrow type, if it is one fluxi uses.
    pub fn from_arrow(t: &DataType) -> Option<ColumnType> {
        Some(match t {
            DataType::Boolean => ColumnType::Bool,
            DataType::Int64 => ColumnType::Int,
            DataType::UInt64 => ColumnType::UInt,
            DataType::Float64 => ColumnType::Float,
            DataType::Utf8 => ColumnType::String,
            DataType::Timestamp(TimeUnit::Nanosecond, _) => ColumnType::Time,
            _ => return None,
        })
    }

    /// The Flux type name.
    pub fn name(self) -> &'static str {
        match self {
            ColumnType::Bool => "bool",
            ColumnType::Int => "int",
            ColumnType::UInt => "uint",
            ColumnType::Float => "float",
            ColumnType::String => "string",
            ColumnType::Time => "time",
        }
    }

    /// The annotated-CSV `#datatype` name.
    pub fn csv_name(self) -> &'static str {
        match self {
            ColumnType::Bool => "boolean",
            ColumnType::Int => "long",
            ColumnType::UInt => "unsignedLong",
            ColumnType::Float => "double",
            ColumnType::String => "string",
            ColumnType::Time => "dateTime:RFC3339",
        }
    }

    /// The column type of a `#datatype` name.
    pub fn from_csv_name(name: &str) -> Option<ColumnType> {
        Some(match name {
            "boolean" => ColumnType::Bool,
            "long" => ColumnType::Int,
            "unsignedLong" => ColumnType::UInt,
            "double" => ColumnType::Float,
            "string" => ColumnType::String,
            "dateTime" | "dateTime:RFC3339" | "dateTime:RFC3339Nano" => ColumnType::Time,
            _ => return None,
        })
    }
}

impl fmt::Display for ColumnType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
