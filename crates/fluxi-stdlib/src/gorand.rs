//! A pseudo-random generator that yields the same numbers, seed for seed, as the seeded
//! generator of Go's `math/rand` (v1), which upstream's `internal/gen.tables` draws its
//! values from; so `gen.tables(seed:)` gives upstream's exact rows.
//!
//! Everything here is computed from the published descriptions of the algorithms, not
//! copied:
//! * the source is an additive lagged Fibonacci generator over 64-bit words,
//!   `y[k] = y[k-607] + y[k-273]`, kept in a 607-word ring. A seed fills the ring from a
//!   Lehmer generator (`x = 48271 x mod 2^31-1`) and mixes each word with the "cooked"
//!   ring: the state reached from seed 1 (filled with the same Lehmer generator, shifts
//!   20 and 10) after 7.8e12 steps. [`cooked`] computes that state by jumping ahead with
//!   polynomial arithmetic modulo the recurrence's characteristic polynomial
//!   `x^607 - x^334 - 1` (a few dozen multiplications of degree-606 polynomials), not by
//!   stepping.
//! * normal deviates use Marsaglia and Tsang's ziggurat ("The Ziggurat Method for
//!   Generating Random Variables", 2000) with 128 strips and `r = 3.442619855899`; its
//!   tables are built by their set-up procedure ([`ziggurat`]), kept at the precision Go
//!   keeps them (`u32` and `f32`).
//!
//! Tests check the jump against stepping, and `gen.tables` against upstream's own
//! testcases (`fluxi test` on upstream's `internal/gen` and `experimental/polyline`).

use std::sync::OnceLock;

const LEN: usize = 607;
const TAP: usize = 273;
const MASK63: u64 = (1 << 63) - 1;
const LEHMER_M: i32 = i32::MAX; // 2^31 - 1

/// One step of the Lehmer generator `x = 48271 x mod (2^31 - 1)`, by Schrage's method
/// (as the seeding procedure computes it, in 32-bit arithmetic).
fn lehmer(x: i32) -> i32 {
    const A: i32 = 48271;
    const Q: i32 = LEHMER_M / A; // 44488
    const R: i32 = LEHMER_M % A; // 3399
    let hi = x / Q;
    let lo = x % Q;
    let x = A * lo - R * hi;
    if x < 0 {
        x + LEHMER_M
    } else {
        x
    }
}

/// The ring filled from a Lehmer seed: 20 discarded steps, then each word built from
/// three successive Lehmer values shifted by `shifts`.
fn lehmer_ring(seed: i32, shifts: (u32, u32)) -> [u64; LEN] {
    let mut ring = [0u64; LEN];
    let mut x = seed;
    for _ in 0..20 {
        x = lehmer(x);
    }
    for word in ring.iter_mut() {
        x = lehmer(x);
        let mut u = (i64::from(x) << shifts.0) as u64;
        x = lehmer(x);
        u ^= (i64::from(x) << shifts.1) as u64;
        x = lehmer(x);
        u ^= i64::from(x) as u64;
        *word = u;
    }
    ring
}

/// The ring's index that the step after a fresh fill writes first, minus one: steps move
/// the write ("feed") index and the read ("tap") index down by one, starting from
/// `LEN - TAP` and 0.
const FEED0: usize = LEN - TAP;

/// `a * b mod (x^607 - x^334 - 1)`, coefficients mod 2^64.
fn polymulmod(a: &[u64; LEN], b: &[u64; LEN]) -> [u64; LEN] {
    let mut prod = vec![0u64; 2 * LEN - 1];
    for (i, &ai) in a.iter().enumerate() {
        if ai == 0 {
            continue;
        }
        for (j, &bj) in b.iter().enumerate() {
            prod[i + j] = prod[i + j].wrapping_add(ai.wrapping_mul(bj));
        }
    }
    reduce(&mut prod);
    let mut out = [0u64; LEN];
    out.copy_from_slice(&prod[..LEN]);
    out
}

/// Reduce in place with `x^607 = x^334 + 1`, from the highest degree down.
fn reduce(p: &mut [u64]) {
    for d in (LEN..p.len()).rev() {
        let c = p[d];
        if c != 0 {
            p[d] = 0;
            p[d - TAP] = p[d - TAP].wrapping_add(c);
            p[d - LEN] = p[d - LEN].wrapping_add(c);
        }
    }
}

/// `x * a mod (x^607 - x^334 - 1)`.
fn times_x(a: &[u64; LEN]) -> [u64; LEN] {
    let mut p = [0u64; LEN + 1];
    p[1..].copy_from_slice(a);
    reduce(&mut p);
    let mut out = [0u64; LEN];
    out.copy_from_slice(&p[..LEN]);
    out
}

/// The ring of an unmasked additive generator started from `ring` (write index
/// `FEED0`) after `steps` steps, computed by jumping. The sequence it produces is
/// `z[t] = z[t-273] + z[t-607]`, where `z[0..607]` are the ring's words in the order the
/// steps read them: `z[m] = ring[(FEED0 - 1 - m) mod 607]`. After `n` steps the word at
/// `(feed + j) mod 607` (`feed` the last written index) is `z[606 + n - j]`.
fn jump(ring: &[u64; LEN], steps: u64) -> [u64; LEN] {
    let z0: Vec<u64> = (0..LEN)
        .map(|m| ring[(FEED0 + 2 * LEN - 1 - m) % LEN])
        .collect();
    // x^steps mod P by square-and-multiply.
    let mut result = [0u64; LEN];
    result[0] = 1;
    let mut base = [0u64; LEN];
    base[1] = 1;
    let mut e = steps;
    while e > 0 {
        if e & 1 == 1 {
            result = polymulmod(&result, &base);
        }
        e >>= 1;
        if e > 0 {
            base = polymulmod(&base, &base);
        }
    }
    let steps_mod = (steps % LEN as u64) as usize;
    let feed = (FEED0 + LEN - steps_mod) % LEN;
    let mut out = [0u64; LEN];
    // `result` now gives z[steps]; multiplying by x walks t up to steps + 606.
    for t_off in 0..LEN {
        let value = result
            .iter()
            .zip(&z0)
            .fold(0u64, |acc, (c, z)| acc.wrapping_add(c.wrapping_mul(*z)));
        // z[steps + t_off] = z[606 + steps - j] with j = 606 - t_off.
        let j = LEN - 1 - t_off;
        out[(feed + j) % LEN] = value;
        if t_off + 1 < LEN {
            result = times_x(&result);
        }
    }
    out
}

/// The cooked ring: seed 1 filled with shifts 20 and 10, after 7.8e12 steps.
fn cooked() -> &'static [u64; LEN] {
    static COOKED: OnceLock<[u64; LEN]> = OnceLock::new();
    COOKED.get_or_init(|| jump(&lehmer_ring(1, (20, 10)), 7_800_000_000_000))
}

/// Go's seeded `math/rand` generator (`rand.New(rand.NewSource(seed))`).
pub struct GoRand {
    ring: [u64; LEN],
    tap: usize,
    feed: usize,
}

impl GoRand {
    /// The generator for `seed`.
    pub fn new(seed: i64) -> GoRand {
        let m = i64::from(LEHMER_M);
        let mut s = seed % m;
        if s < 0 {
            s += m;
        }
        if s == 0 {
            s = 89_482_311;
        }
        // `s` is in 1..2^31-1, so it fits.
        let mut ring = lehmer_ring(i32::try_from(s).unwrap_or(1), (40, 20));
        for (w, c) in ring.iter_mut().zip(cooked()) {
            *w ^= c;
        }
        GoRand {
            ring,
            tap: 0,
            feed: FEED0,
        }
    }

    /// A uniformly distributed non-negative 63-bit integer.
    pub fn int63(&mut self) -> i64 {
        self.tap = (self.tap + LEN - 1) % LEN;
        self.feed = (self.feed + LEN - 1) % LEN;
        let x = self.ring[self.feed].wrapping_add(self.ring[self.tap]);
        self.ring[self.feed] = x;
        (x & MASK63) as i64
    }

    fn uint32(&mut self) -> u32 {
        (self.int63() >> 31) as u32
    }

    fn int31(&mut self) -> i32 {
        (self.int63() >> 32) as i32
    }

    /// A uniformly distributed integer in `0..n`, drawn as Go's `Intn` draws it
    /// (rejection sampling on 31-bit values). `n` must be in `1..=i32::MAX`.
    pub fn intn(&mut self, n: i32) -> i32 {
        if n <= 0 {
            return 0;
        }
        if n & (n - 1) == 0 {
            return self.int31() & (n - 1);
        }
        let max = (i32::MAX as u32 - (1u32 << 31) % n as u32) as i32;
        let mut v = self.int31();
        while v > max {
            v = self.int31();
        }
        v % n
    }

    /// A uniformly distributed float in `[0, 1)`.
    pub fn float64(&mut self) -> f64 {
        loop {
            let f = self.int63() as f64 / 9_223_372_036_854_775_808.0;
            if f < 1.0 {
                return f;
            }
        }
    }

    /// A standard normal deviate (ziggurat).
    pub fn norm_float64(&mut self) -> f64 {
        let z = ziggurat();
        loop {
            let j = self.uint32() as i32;
            let i = (j & 0x7f) as usize;
            let x = f64::from(j) * f64::from(z.w[i]);
            if j.unsigned_abs() < z.k[i] {
                return x;
            }
            if i == 0 {
                // The base strip's tail, beyond r.
                let x = loop {
                    let x = -self.float64().ln() * (1.0 / ZIGGURAT_R);
                    let y = -self.float64().ln();
                    if y + y >= x * x {
                        break x;
                    }
                };
                return if j > 0 {
                    ZIGGURAT_R + x
                } else {
                    -ZIGGURAT_R - x
                };
            }
            let u = self.float64() as f32;
            if z.f[i] + u * (z.f[i - 1] - z.f[i]) < (-0.5 * x * x).exp() as f32 {
                return x;
            }
        }
    }
}

/// Where the ziggurat's base strip ends (Marsaglia and Tsang's `dn` for 128 strips).
const ZIGGURAT_R: f64 = 3.442619855899;
/// The area of each strip (their `vn`).
const ZIGGURAT_V: f64 = 9.91256303526217e-3;

/// The ziggurat's tables for 31-bit signed draws: `k[i]` the draws that fall inside
/// strip `i`'s rectangle outright, `w[i]` the scale from draw to abscissa, `f[i]` the
/// density at the strip's edge.
struct Ziggurat {
    k: [u32; 128],
    w: [f32; 128],
    f: [f32; 128],
}

/// Marsaglia and Tsang's set-up: from the base strip's edge `r` inward, each strip's
/// edge is where the next rectangle of area `v` ends.
fn ziggurat() -> &'static Ziggurat {
    static TABLES: OnceLock<Ziggurat> = OnceLock::new();
    TABLES.get_or_init(|| {
        let m = 2_147_483_648.0_f64;
        let mut z = Ziggurat {
            k: [0; 128],
            w: [0.0; 128],
            f: [0.0; 128],
        };
        let mut d = ZIGGURAT_R;
        let mut t = d;
        let q = ZIGGURAT_V / (-0.5 * d * d).exp();
        z.k[0] = ((d / q) * m) as u32;
        z.k[1] = 0;
        z.w[0] = (q / m) as f32;
        z.w[127] = (d / m) as f32;
        z.f[0] = 1.0;
        z.f[127] = (-0.5 * d * d).exp() as f32;
        for i in (1..=126).rev() {
            d = (-2.0 * (ZIGGURAT_V / d + (-0.5 * d * d).exp()).ln()).sqrt();
            z.k[i + 1] = ((d / t) * m) as u32;
            t = d;
            z.f[i] = (-0.5 * d * d).exp() as f32;
            z.w[i] = (d / m) as f32;
        }
        z
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Step an unmasked ring the slow way.
    fn stepped(ring: &[u64; LEN], steps: u64) -> [u64; LEN] {
        let mut r = *ring;
        let (mut tap, mut feed) = (0usize, FEED0);
        for _ in 0..steps {
            tap = (tap + LEN - 1) % LEN;
            feed = (feed + LEN - 1) % LEN;
            r[feed] = r[feed].wrapping_add(r[tap]);
        }
        r
    }

    #[test]
    fn jumping_ahead_agrees_with_stepping() {
        let ring = lehmer_ring(1, (20, 10));
        for steps in [0, 1, 272, 273, 606, 607, 608, 1000, 5_000, 12_345] {
            assert_eq!(jump(&ring, steps), stepped(&ring, steps), "{steps} steps");
        }
    }

    #[test]
    fn lehmer_matches_the_modular_definition() {
        let mut x = 1i32;
        let mut y = 1i64;
        for _ in 0..1000 {
            x = lehmer(x);
            y = y * 48271 % i64::from(LEHMER_M);
            assert_eq!(i64::from(x), y);
        }
    }

    #[test]
    fn draws_stay_in_range() {
        let mut r = GoRand::new(42);
        for _ in 0..10_000 {
            let f = r.float64();
            assert!((0.0..1.0).contains(&f));
            let n = r.intn(62);
            assert!((0..62).contains(&n));
            assert!(r.int63() >= 0);
        }
    }

    #[test]
    fn normal_deviates_have_mean_zero_and_unit_variance() {
        let mut r = GoRand::new(7);
        let n = 200_000;
        let (mut sum, mut sq) = (0.0, 0.0);
        for _ in 0..n {
            let x = r.norm_float64();
            sum += x;
            sq += x * x;
        }
        let mean = sum / f64::from(n);
        let var = sq / f64::from(n) - mean * mean;
        assert!(mean.abs() < 0.01, "mean {mean}");
        assert!((var - 1.0).abs() < 0.02, "variance {var}");
    }

    #[test]
    fn the_ziggurat_tables_are_consistent() {
        let z = ziggurat();
        // Strip edges move outward as i grows, densities fall.
        for i in 2..127 {
            assert!(z.w[i] < z.w[i + 1], "w {i}");
            assert!(z.f[i] > z.f[i + 1], "f {i}");
        }
        // The last strip's edge is r.
        assert!((f64::from(z.w[127]) * 2_147_483_648.0 - ZIGGURAT_R).abs() < 1e-6);
    }

    #[test]
    fn equal_seeds_give_equal_sequences_and_seeds_wrap_at_2_pow_31_minus_1() {
        let mut a = GoRand::new(5);
        let mut b = GoRand::new(5 + i64::from(LEHMER_M));
        let mut c = GoRand::new(6);
        let xs: Vec<i64> = (0..10).map(|_| a.int63()).collect();
        let ys: Vec<i64> = (0..10).map(|_| b.int63()).collect();
        let zs: Vec<i64> = (0..10).map(|_| c.int63()).collect();
        assert_eq!(xs, ys);
        assert_ne!(xs, zs);
    }
}
