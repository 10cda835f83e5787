//! Contributed packages (`contrib/...`) whose builtins are written in Rust: `hex`
//! (`contrib/bonitoo-io/hex`), `hash` (`contrib/qxip/hash`, with `cityhash`), the
//! small pure helpers of notification packages (`helpers`) and
//! `contrib/jsternberg/influxdb._mask` (`mask`). The packages written in Flux need nothing
//! here; those that need an outside service are in `crate::outside`.

mod cityhash;
mod hash;
mod helpers;
mod hex;
mod mask;

use fluxi_eval::Registry;

pub fn register(r: &mut Registry) {
    hex::register(r);
    hash::register(r);
    helpers::register(r);
    mask::register(r);
}
