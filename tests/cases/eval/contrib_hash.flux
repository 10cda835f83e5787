// contrib/qxip/hash over three strings (the empty one, a short one, one over 64 bytes);
// the expected values were computed independently with Python's hashlib, hmac and base64
// and the xxhash and clickhouse-cityhash packages. A null string hashes to null.
import "array"
import "internal/debug"
import "contrib/qxip/hash"

long = "The quick brown fox jumps over the lazy dog, then naps in the afternoon sun."

array.from(
    rows: [
        {v: "", s: ""},
        {v: "Hello, world!", s: "Hello, world!"},
        {v: "long", s: long},
    ],
)
    |> map(
        fn: (r) =>
            ({
                v: r.v,
                sha256: hash.sha256(v: r.s),
                sha1: hash.sha1(v: r.s),
                md5: hash.md5(v: r.s),
                xxhash64: hash.xxhash64(v: r.s),
                cityhash64: hash.cityhash64(v: r.s),
                b64: hash.b64(v: r.s + "?>"),
                hmac: hash.hmac(v: r.s, k: "secret key"),
            }),
    )
    |> yield(name: "hashes")

array.from(rows: [{s: "a"}, {s: ""}])
    |> map(fn: (r) => ({r with s: if r.s == "" then debug.null(type: "string") else r.s}))
    |> map(fn: (r) => ({null_sha256: hash.sha256(v: r.s), null_hmac: hash.hmac(v: r.s, k: "k")}))
    |> yield(name: "nulls")
