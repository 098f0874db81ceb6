//! Scalar helpers written so that the loops calling them vectorise on every target (wasm
//! SIMD128, baseline x86-64), with results that do not depend on the machine.

/// `values` folded by `f` in eight interleaved lanes, then the lanes and the tail in order:
/// a fixed order (the same result on every machine) that vectorises, where one running
/// f32 sum or maximum does not.
pub(crate) fn fold8(values: &[f32], init: f32, f: impl Fn(f32, f32) -> f32) -> f32 {
    let mut lanes = [init; 8];
    let chunks = values.chunks_exact(8);
    let tail = chunks.remainder().iter().fold(init, |acc, &v| f(acc, v));
    for chunk in chunks {
        for (lane, &v) in lanes.iter_mut().zip(chunk) {
            *lane = f(*lane, v);
        }
    }
    lanes.iter().fold(tail, |acc, &v| f(acc, v))
}

/// `x` rounded to the nearest integer (ties to even) for `|x| < 2²²`, by adding
/// 1.5 · 2²³ so that the integer lands in the low mantissa bits. Only integer and
/// float additions: it vectorises on every target, where the saturating `as i32` of a
/// rounded float needs SSE4.1 for the rounding and becomes scalar code for the saturation
/// on baseline x86-64 (it was 6 % of native catalogue encoding).
pub(crate) fn round_to_i32(x: f32) -> i32 {
    const MAGIC: f32 = 12_582_912.0;
    (x + MAGIC).to_bits() as i32 - MAGIC.to_bits() as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_to_i32_rounds_to_nearest_even_within_its_range() {
        for x in [
            0.0f32,
            0.5,
            1.5,
            2.5,
            -0.5,
            -1.5,
            -2.5,
            0.49999997,
            -32_767.5,
            32_767.4,
            4_194_303.0,
            -4_194_303.0,
        ] {
            assert_eq!(round_to_i32(x), x.round_ties_even() as i32, "{x}");
        }
        for i in -200_000..200_000 {
            let x = i as f32 * 0.173;
            assert_eq!(round_to_i32(x), x.round_ties_even() as i32, "{x}");
        }
    }

    #[test]
    fn fold8_visits_every_value_once() {
        let values: Vec<f32> = (1..=21).map(|v| v as f32).collect();
        assert_eq!(fold8(&values, 0.0, |s, v| s + v), 231.0);
        assert_eq!(fold8(&values, f32::NEG_INFINITY, |m, v| if v > m { v } else { m }), 21.0);
        assert_eq!(fold8(&[], 0.0, |s, v| s + v), 0.0);
    }
}
