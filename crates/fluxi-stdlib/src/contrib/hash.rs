//! `contrib/qxip/hash`: hashes of strings. `sha256`, `sha1` and `md5` give lower-case hex
//! digests, `xxhash64` and `cityhash64` (CityHash v1.0.2, as ClickHouse's `cityHash64`)
//! the 64-bit hash as a decimal string, `b64` the URL-safe base64 of the string (with
//! padding), `hmac` the standard base64 of the HMAC-SHA1 of `v` keyed with `k`. A null
//! argument gives null; a value that is not a string is an error.

use super::cityhash::city_hash_64;
use super::hex::hex_digits;
use base64::Engine as _;
use fluxi_eval::{Args, EvalError, Interpreter, Registry};
use fluxi_value::Value;
use hmac::Mac as _;
use sha2::Digest as _;
use std::hash::Hasher as _;

type R = Result<Value, EvalError>;

const PACKAGE: &str = "contrib/qxip/hash";

pub fn register(r: &mut Registry) {
    r.register(PACKAGE, "sha256", |_, a| {
        one(a, "sha256", |s| hex_digits(&sha2::Sha256::digest(s)))
    });
    r.register(PACKAGE, "sha1", |_, a| {
        one(a, "sha1", |s| hex_digits(&sha1::Sha1::digest(s)))
    });
    r.register(PACKAGE, "md5", |_, a| {
        one(a, "md5", |s| hex_digits(&md5::Md5::digest(s)))
    });
    r.register(PACKAGE, "xxhash64", |_, a| {
        one(a, "xxhash64", |s| {
            let mut h = twox_hash::XxHash64::with_seed(0);
            h.write(s);
            h.finish().to_string()
        })
    });
    r.register(PACKAGE, "cityhash64", |_, a| {
        one(a, "cityhash64", |s| city_hash_64(s).to_string())
    });
    r.register(PACKAGE, "b64", |_, a| {
        one(a, "b64", |s| {
            base64::engine::general_purpose::URL_SAFE.encode(s)
        })
    });
    r.register(PACKAGE, "hmac", hmac_sha1);
}

/// The string argument `v` (or null), as bytes.
fn string_arg(
    a: &mut Args,
    name: &str,
    what: &str,
) -> Result<Option<std::sync::Arc<str>>, EvalError> {
    match a.required(name)? {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s)),
        other => Err(EvalError::msg(format!(
            "hash cannot convert {} to {what}: `{name}` must be a string",
            other.type_name()
        ))),
    }
}

/// `f` of the string `v`, or null for null.
fn one(a: &mut Args, what: &str, f: impl Fn(&[u8]) -> String) -> R {
    Ok(match string_arg(a, "v", what)? {
        None => Value::Null,
        Some(s) => Value::string(f(s.as_bytes())),
    })
}

fn hmac_sha1(_: &mut Interpreter, a: &mut Args) -> R {
    let v = string_arg(a, "v", "hmac")?;
    let k = string_arg(a, "k", "hmac")?;
    let (Some(v), Some(k)) = (v, k) else {
        return Ok(Value::Null);
    };
    // HMAC takes a key of any length, so this cannot fail.
    let mut mac = hmac::Hmac::<sha1::Sha1>::new_from_slice(k.as_bytes())
        .map_err(|e| EvalError::msg(format!("hmac: {e}")))?;
    mac.update(v.as_bytes());
    let tag = mac.finalize().into_bytes();
    Ok(Value::string(
        base64::engine::general_purpose::STANDARD.encode(tag),
    ))
}
