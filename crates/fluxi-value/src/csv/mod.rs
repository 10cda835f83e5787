//! Annotated CSV (the Flux spec's response format): the decoder behind `csv.from` and the
//! one canonical encoder used by the CLI, the tests and the HTTP API.

mod decode;
mod encode;
mod reader;

pub use decode::{decode, decode_raw, Decoded};
pub use encode::{encode, Annotation, Dialect, Encoder, LineEnding};
