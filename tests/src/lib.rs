//! Golden conformance suite.
