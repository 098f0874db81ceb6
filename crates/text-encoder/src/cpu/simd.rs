//! SIMD versions of [`BlockDots`]: AVX-512 VNNI and AVX2 natively (chosen at run time),
//! wasm SIMD128 in the browser (`i32x4.dot_i16x8_s`, compiled in with `+simd128`). Each
//! equals [`block_dots_scalar`] bit for bit: the same exact i32 sums in another order.

#[cfg(any(target_arch = "x86_64", all(target_arch = "wasm32", target_feature = "simd128")))]
use super::gemm::dot;
use super::gemm::{BlockDots, block_dots_scalar};
#[cfg(any(target_arch = "x86_64", all(target_arch = "wasm32", target_feature = "simd128")))]
use super::gemm::{Dots, OUTPUTS, TOKENS};

/// The fastest kernel this machine runs, and its name.
pub(crate) fn best_block_dots() -> (BlockDots, &'static str) {
    let name = *available_kernels().last().expect("the scalar kernel is always there");
    kernel(name).expect("an available kernel")
}

/// A SIMD kernel's name and whether this machine runs it.
type Probe = (&'static str, fn() -> bool);

/// Every kernel this machine runs, by name, slowest (the scalar reference) first.
pub fn available_kernels() -> Vec<&'static str> {
    let simd: &[Probe] = &[
        #[cfg(target_arch = "x86_64")]
        ("avx2", || std::arch::is_x86_feature_detected!("avx2")),
        #[cfg(target_arch = "x86_64")]
        ("avx512-vnni", || {
            std::arch::is_x86_feature_detected!("avx512bw")
                && std::arch::is_x86_feature_detected!("avx512vnni")
        }),
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        ("wasm-simd128", || true),
    ];
    std::iter::once("scalar").chain(simd.iter().filter(|(_, runs)| runs()).map(|(name, _)| *name)).collect()
}

/// The kernel called `name` and its name, if this machine runs it (see [`available_kernels`]).
pub(crate) fn kernel(name: &str) -> Option<(BlockDots, &'static str)> {
    let name = available_kernels().into_iter().find(|k| *k == name)?;
    let dots: BlockDots = match name {
        #[cfg(target_arch = "x86_64")]
        "avx2" => x86::block_dots_avx2,
        #[cfg(target_arch = "x86_64")]
        "avx512-vnni" => x86::block_dots_vnni,
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        "wasm-simd128" => wasm::block_dots_simd128,
        _ => block_dots_scalar,
    };
    Some((dots, name))
}

/// Panics unless every row holds `dots.len()` groups of `group` values (the kernels read
/// through raw pointers).
#[cfg(any(target_arch = "x86_64", all(target_arch = "wasm32", target_feature = "simd128")))]
fn check_bounds(a: &[&[i16]; TOKENS], w: &[&[i8]; OUTPUTS], group: usize, dots: &[Dots]) {
    let len = group * dots.len();
    assert!(a.iter().all(|r| r.len() >= len) && w.iter().all(|r| r.len() >= len), "rows shorter than {len}");
}

/// Adds the scalar products of columns `k..end` to `dots` (a group's tail shorter than a vector).
#[cfg(any(target_arch = "x86_64", all(target_arch = "wasm32", target_feature = "simd128")))]
fn add_tail(dots: &mut Dots, a: &[&[i16]; TOKENS], w: &[&[i8]; OUTPUTS], k: usize, end: usize) {
    if k == end {
        return;
    }
    for t in 0..TOKENS {
        for o in 0..OUTPUTS {
            dots[t * OUTPUTS + o] += dot(&a[t][k..end], &w[o][k..end]);
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::*;

    use super::{Dots, OUTPUTS, TOKENS, add_tail, check_bounds};

    /// [`super::BlockDots`] with AVX2 (`vpmaddwd`, 16 products per instruction).
    pub fn block_dots_avx2(a: &[&[i16]; TOKENS], w: &[&[i8]; OUTPUTS], group: usize, dots: &mut [Dots]) {
        check_bounds(a, w, group, dots);
        // SAFETY: chosen only where AVX2 was detected; reads stay within the rows, checked above.
        unsafe { avx2(a, w, group, dots) }
    }

    /// [`super::BlockDots`] with AVX-512 VNNI (`vpdpwssd`, 32 products per instruction).
    pub fn block_dots_vnni(a: &[&[i16]; TOKENS], w: &[&[i8]; OUTPUTS], group: usize, dots: &mut [Dots]) {
        check_bounds(a, w, group, dots);
        // SAFETY: chosen only where AVX-512 BW and VNNI were detected; reads checked above.
        unsafe { vnni(a, w, group, dots) }
    }

    /// Products of columns `k..k + 16` added to `acc`.
    #[target_feature(enable = "avx2")]
    unsafe fn step16(
        acc: &mut [__m256i; TOKENS * OUTPUTS],
        a: &[&[i16]; TOKENS],
        w: &[&[i8]; OUTPUTS],
        k: usize,
    ) {
        // SAFETY (loads): the caller keeps k + 16 within every row.
        let wv: [__m256i; OUTPUTS] = std::array::from_fn(|o| unsafe {
            _mm256_cvtepi8_epi16(_mm_loadu_si128(w[o].as_ptr().add(k).cast()))
        });
        for t in 0..TOKENS {
            let av = unsafe { _mm256_loadu_si256(a[t].as_ptr().add(k).cast()) };
            for o in 0..OUTPUTS {
                acc[t * OUTPUTS + o] = _mm256_add_epi32(acc[t * OUTPUTS + o], _mm256_madd_epi16(av, wv[o]));
            }
        }
    }

    #[target_feature(enable = "avx2")]
    unsafe fn avx2(a: &[&[i16]; TOKENS], w: &[&[i8]; OUTPUTS], group: usize, dots: &mut [Dots]) {
        for (g, out) in dots.iter_mut().enumerate() {
            let (mut k, end) = (g * group, (g + 1) * group);
            let mut acc = [_mm256_setzero_si256(); TOKENS * OUTPUTS];
            while k + 16 <= end {
                // SAFETY: k + 16 ≤ end ≤ every row's length (checked by the caller).
                unsafe { step16(&mut acc, a, w, k) };
                k += 16;
            }
            *out = sum8(acc);
            add_tail(out, a, w, k, end);
        }
    }

    #[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
    unsafe fn vnni(a: &[&[i16]; TOKENS], w: &[&[i8]; OUTPUTS], group: usize, dots: &mut [Dots]) {
        for (g, out) in dots.iter_mut().enumerate() {
            let (mut k, end) = (g * group, (g + 1) * group);
            let mut wide = [_mm512_setzero_si512(); TOKENS * OUTPUTS];
            while k + 32 <= end {
                // SAFETY (loads): k + 32 ≤ end ≤ every row's length (checked by the caller).
                let wv: [__m512i; OUTPUTS] = std::array::from_fn(|o| unsafe {
                    _mm512_cvtepi8_epi16(_mm256_loadu_si256(w[o].as_ptr().add(k).cast()))
                });
                for t in 0..TOKENS {
                    let av = unsafe { _mm512_loadu_si512(a[t].as_ptr().add(k).cast()) };
                    for o in 0..OUTPUTS {
                        wide[t * OUTPUTS + o] = _mm512_dpwssd_epi32(wide[t * OUTPUTS + o], av, wv[o]);
                    }
                }
                k += 32;
            }
            let mut acc =
                wide.map(|v| _mm256_add_epi32(_mm512_castsi512_si256(v), _mm512_extracti64x4_epi64::<1>(v)));
            if k + 16 <= end {
                // SAFETY: k + 16 ≤ end ≤ every row's length.
                unsafe { step16(&mut acc, a, w, k) };
                k += 16;
            }
            *out = sum8(acc);
            add_tail(out, a, w, k, end);
        }
    }

    /// The totals of eight vectors of eight i32 lanes.
    #[target_feature(enable = "avx2")]
    fn sum8(v: [__m256i; 8]) -> [i32; 8] {
        let s01 = _mm256_hadd_epi32(v[0], v[1]);
        let s23 = _mm256_hadd_epi32(v[2], v[3]);
        let s45 = _mm256_hadd_epi32(v[4], v[5]);
        let s67 = _mm256_hadd_epi32(v[6], v[7]);
        let (s0123, s4567) = (_mm256_hadd_epi32(s01, s23), _mm256_hadd_epi32(s45, s67));
        let low = _mm256_permute2x128_si256::<0x20>(s0123, s4567);
        let high = _mm256_permute2x128_si256::<0x31>(s0123, s4567);
        let mut out = [0i32; 8];
        // SAFETY: `out` is 32 bytes.
        unsafe { _mm256_storeu_si256(out.as_mut_ptr().cast(), _mm256_add_epi32(low, high)) };
        out
    }
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod wasm {
    use std::arch::wasm32::*;

    use super::{Dots, OUTPUTS, TOKENS, add_tail, check_bounds};

    const _: () = assert!((TOKENS * OUTPUTS).is_multiple_of(4), "the totals are stored four at a time");

    /// [`super::BlockDots`] with wasm SIMD128 (`i32x4.dot_i16x8_s`, 8 products per instruction).
    pub fn block_dots_simd128(a: &[&[i16]; TOKENS], w: &[&[i8]; OUTPUTS], group: usize, dots: &mut [Dots]) {
        check_bounds(a, w, group, dots);
        for (g, out) in dots.iter_mut().enumerate() {
            let (mut k, end) = (g * group, (g + 1) * group);
            let mut acc = [i32x4_splat(0); TOKENS * OUTPUTS];
            while k + 16 <= end {
                // SAFETY (all loads): k + 16 ≤ end ≤ every row's length, checked above.
                let wv: [(v128, v128); OUTPUTS] = std::array::from_fn(|o| unsafe {
                    let row = w[o].as_ptr().add(k);
                    (i16x8_load_extend_i8x8(row), i16x8_load_extend_i8x8(row.add(8)))
                });
                for t in 0..TOKENS {
                    let (lo, hi) = unsafe {
                        (v128_load(a[t].as_ptr().add(k).cast()), v128_load(a[t].as_ptr().add(k + 8).cast()))
                    };
                    for o in 0..OUTPUTS {
                        let products = i32x4_add(i32x4_dot_i16x8(lo, wv[o].0), i32x4_dot_i16x8(hi, wv[o].1));
                        acc[t * OUTPUTS + o] = i32x4_add(acc[t * OUTPUTS + o], products);
                    }
                }
                k += 16;
            }
            for (slots, four) in out.chunks_exact_mut(4).zip(acc.chunks_exact(4)) {
                let totals = sum4([four[0], four[1], four[2], four[3]]);
                // SAFETY: `slots` is four i32s, 16 bytes.
                unsafe { v128_store(slots.as_mut_ptr().cast(), totals) };
            }
            add_tail(out, a, w, k, end);
        }
    }

    /// The totals of four vectors of four i32 lanes, as one vector (shuffles, not lane
    /// extraction: 6 shuffles and 3 additions instead of 12 extractions and 12 additions).
    fn sum4(v: [v128; 4]) -> v128 {
        // [a0+a2, b0+b2, a1+a3, b1+b3] and the same for c, d.
        let ab = i32x4_add(i32x4_shuffle::<0, 4, 1, 5>(v[0], v[1]), i32x4_shuffle::<2, 6, 3, 7>(v[0], v[1]));
        let cd = i32x4_add(i32x4_shuffle::<0, 4, 1, 5>(v[2], v[3]), i32x4_shuffle::<2, 6, 3, 7>(v[2], v[3]));
        i32x4_add(i32x4_shuffle::<0, 1, 4, 5>(ab, cd), i32x4_shuffle::<2, 3, 6, 7>(ab, cd))
    }
}

#[cfg(test)]
mod tests {
    use super::super::gemm::{Dots, OUTPUTS, TOKENS};
    use super::*;

    /// Odd shapes: groups of 1 value, shorter than a vector, a vector plus a tail, several
    /// vectors; full int16 and int8 ranges.
    #[test]
    fn every_kernel_equals_the_scalar_reference_bit_for_bit() {
        let len = 384;
        let a_rows: Vec<Vec<i16>> = (0..TOKENS)
            .map(|t| {
                (0..len)
                    .map(|k| {
                        if (k + t) % 17 == 0 { -i16::MAX } else { ((k * 7919 + t * 104_729) % 65_535) as i16 }
                    })
                    .collect()
            })
            .collect();
        let w_rows: Vec<Vec<i8>> = (0..OUTPUTS)
            .map(|o| {
                (0..len).map(|k| if k % 13 == o { -127 } else { ((k * 31 + o * 97) % 255) as i8 }).collect()
            })
            .collect();
        let a: [&[i16]; TOKENS] = std::array::from_fn(|t| a_rows[t].as_slice());
        let w: [&[i8]; OUTPUTS] = std::array::from_fn(|o| w_rows[o].as_slice());
        let names = available_kernels();
        for (group, groups) in
            [(1, 7), (7, 3), (21, 2), (16, 4), (32, 12), (33, 11), (128, 3), (256, 1), (384, 1)]
        {
            let mut reference = vec![Dots::default(); groups];
            block_dots_scalar(&a, &w, group, &mut reference);
            for name in &names {
                let mut dots = vec![Dots::default(); groups];
                kernel(name).expect("an available kernel").0(&a, &w, group, &mut dots);
                assert_eq!(dots, reference, "{name}, {groups} groups of {group}");
            }
        }
        eprintln!("kernels checked: {names:?}");
    }
}
