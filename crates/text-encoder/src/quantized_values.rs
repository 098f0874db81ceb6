//! The number formats of quantised weights: f32 values as small signed integers with
//! symmetric scales (per row, or per group of columns with f16 or log-coded scales), and
//! values of fewer than 8 bits packed into bytes.

/// Symmetric per-row int8 quantization of a row-major matrix with `cols` columns
/// (f32 scales, as the bundle's item vectors store them).
pub fn quantize_rows(values: &[f32], cols: usize) -> (Vec<i8>, Vec<f32>) {
    let mut q = Vec::with_capacity(values.len());
    let mut scales = Vec::with_capacity(values.len() / cols.max(1));
    for row in values.chunks_exact(cols) {
        let scale = symmetric_scale(row, 127.0);
        q.extend(row.iter().map(|v| (v / scale).round().clamp(-127.0, 127.0) as i8));
        scales.push(scale);
    }
    (q, scales)
}

/// Symmetric `bits`-bit quantization (values in `±(2^(bits-1) - 1)`) with one scale per
/// `group` consecutive values (the caller's matrix width is a multiple of `group`); the
/// scales are rounded to f16, as they are stored.
pub fn quantize_groups(values: &[f32], group: usize, bits: usize) -> (Vec<i8>, Vec<f32>) {
    assert!(values.len().is_multiple_of(group) && (2..=8).contains(&bits), "{group} × {bits} bits");
    let levels = ((1u32 << (bits - 1)) - 1) as f32;
    let mut q = Vec::with_capacity(values.len());
    let mut scales = Vec::with_capacity(values.len() / group);
    for chunk in values.chunks_exact(group) {
        let scale = match half::f16::from_f32(symmetric_scale(chunk, levels)).to_f32() {
            0.0 => 1.0, // below f16's range: every value rounds to 0 at any scale
            scale => scale,
        };
        q.extend(chunk.iter().map(|v| (v / scale).round().clamp(-levels, levels) as i8));
        scales.push(scale);
    }
    (q, scales)
}

/// Like [`quantize_groups`], but each group's scale is one of 256 levels spaced evenly in
/// log2 between the smallest and the largest scale of the matrix (about 1.6 % apart for the
/// word table), stored as its U8 code: returns the values, the codes and the levels. A group
/// is quantised with its level (the nearest in log2), so the levels are exactly what a reader
/// multiplies by. All-zero groups get code 0 (their values are 0 at any scale).
pub fn quantize_groups_log_scales(values: &[f32], group: usize, bits: usize) -> (Vec<i8>, Vec<u8>, Vec<f32>) {
    assert!(values.len().is_multiple_of(group) && (2..=8).contains(&bits), "{group} × {bits} bits");
    let max_q = ((1u32 << (bits - 1)) - 1) as f32;
    let raw: Vec<f32> = values.chunks_exact(group).map(|chunk| max_abs(chunk) / max_q).collect();
    let logs: Vec<f64> = raw.iter().filter(|&&s| s > 0.0).map(|&s| f64::from(s).log2()).collect();
    let low = logs.iter().copied().fold(f64::INFINITY, f64::min);
    let high = logs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let (low, step) = if logs.is_empty() { (0.0, 0.0) } else { (low, (high - low) / 255.0) };
    let levels: Vec<f32> = (0..256).map(|k| (low + k as f64 * step).exp2() as f32).collect();
    let mut q = Vec::with_capacity(values.len());
    let mut codes = Vec::with_capacity(raw.len());
    for (chunk, &scale) in values.chunks_exact(group).zip(&raw) {
        let code = if scale > 0.0 && step > 0.0 {
            ((f64::from(scale).log2() - low) / step).round().clamp(0.0, 255.0) as u8
        } else {
            0
        };
        let level = levels[code as usize];
        q.extend(chunk.iter().map(|v| (v / level).round().clamp(-max_q, max_q) as i8));
        codes.push(code);
    }
    (q, codes, levels)
}

/// Largest absolute value of a slice (0 for an empty one).
fn max_abs(values: &[f32]) -> f32 {
    values.iter().fold(0.0f32, |m, v| m.max(v.abs()))
}

/// `max |v| / levels`, or 1.0 for an all-zero slice.
fn symmetric_scale(values: &[f32], levels: f32) -> f32 {
    let max = max_abs(values);
    if max > 0.0 { max / levels } else { 1.0 }
}

/// The signed value `c` of a row packed at `bits` bits per value (bits `c·bits ..` of the row,
/// lowest first, stored with an offset of `2^(bits-1)`).
pub(crate) fn packed_value(row: &[u8], bits: usize, c: usize) -> f32 {
    let bit = c * bits;
    let (byte, shift) = (bit / 8, bit % 8);
    let low = u16::from(row[byte]);
    let high = row.get(byte + 1).map_or(0, |&b| u16::from(b) << 8);
    let code = ((low | high) >> shift) & ((1 << bits) - 1);
    f32::from(code as i16 - (1 << (bits - 1)))
}

/// Packs signed values `q` (each in `-(2^(bits-1) - 1) ..= 2^(bits-1) - 1`) at `bits` bits each,
/// lowest bit first; `q.len() · bits` must be a multiple of 8.
pub(crate) fn pack_values(q: &[i8], bits: usize) -> Vec<u8> {
    let mut out = vec![0u8; q.len() * bits / 8];
    for (c, &v) in q.iter().enumerate() {
        let code = (i16::from(v) + (1 << (bits - 1))) as u16;
        let (byte, shift) = (c * bits / 8, c * bits % 8);
        let spread = code << shift;
        out[byte] |= spread as u8;
        if let Some(next) = out.get_mut(byte + 1) {
            *next |= (spread >> 8) as u8;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Value `i` of `values` quantised at `bits` bits with `scales` per `group` values and
    /// read back, through the packed form below 8 bits.
    fn restored(q: &[i8], scales: &[f32], group: usize, bits: usize) -> Vec<f32> {
        let packed = (bits < 8).then(|| pack_values(q, bits));
        (0..q.len())
            .map(|i| {
                let value = packed.as_ref().map_or(f32::from(q[i]), |bytes| packed_value(bytes, bits, i));
                value * scales[i / group]
            })
            .collect()
    }

    #[test]
    fn group_quantization_round_trips_within_half_a_step() {
        // Two rows of 64 columns: a ramp, and a row with an all-zero first group.
        let mut values: Vec<f32> = (0..64).map(|c| (c as f32 - 31.5) / 10.0).collect();
        values.extend((0..64).map(|c| if c < 32 { 0.0 } else { (c as f32).sin() }));
        for bits in [5, 8] {
            let (q, scales) = quantize_groups(&values, 32, bits);
            assert_eq!((q.len(), scales.len()), (128, 4));
            assert_eq!(scales[2], 1.0, "an all-zero group keeps scale 1");
            let restored = restored(&q, &scales, 32, bits);
            for (i, (r, v)) in restored.iter().zip(&values).enumerate() {
                let step = scales[i / 32];
                assert!(
                    (r - v).abs() <= step / 2.0 + 1e-6,
                    "{bits} bits, value {i}: {r} vs {v} (step {step})"
                );
            }
            assert!(restored[64..96].iter().all(|&v| v == 0.0));
        }
    }

    #[test]
    fn log_coded_scales_stay_within_two_percent_and_round_trip() {
        // Four groups of 32 whose ranges span a factor of 1,000, and an all-zero group.
        let mut values: Vec<f32> = Vec::new();
        for magnitude in [0.001f32, 0.01, 0.0, 0.1, 1.0] {
            values.extend((0..32).map(|c| magnitude * ((c as f32 * 0.37).sin() + 0.05)));
        }
        let (q, codes, levels) = quantize_groups_log_scales(&values, 32, 5);
        assert_eq!((q.len(), codes.len(), levels.len()), (160, 5, 256));
        assert_eq!(codes[2], 0, "the all-zero group");
        assert!(
            levels.windows(2).all(|w| w[1] > w[0] && w[1] / w[0] < 1.03),
            "levels increase in small steps"
        );
        let scales: Vec<f32> = codes.iter().map(|&c| levels[c as usize]).collect();
        for (g, chunk) in values.chunks_exact(32).enumerate().filter(|(g, _)| *g != 2) {
            let exact = max_abs(chunk) / 15.0;
            assert!((scales[g] / exact - 1.0).abs() < 0.02, "group {g}: {} vs {exact}", scales[g]);
        }
        for (i, (r, v)) in restored(&q, &scales, 32, 5).iter().zip(&values).enumerate() {
            let step = scales[i / 32];
            assert!((r - v).abs() <= step * 0.51 + 1e-9, "value {i}: {r} vs {v} (step {step})");
        }
    }

    #[test]
    fn scales_below_half_precision_do_not_divide_by_zero() {
        let (q, scales) = quantize_groups(&[1e-30, -1e-30, 0.0, 1e-31], 4, 5);
        assert_eq!((q, scales), (vec![0, 0, 0, 0], vec![1.0]));
    }

    #[test]
    fn per_row_quantization_bounds_the_error_by_half_a_step() {
        let values = [0.5, -1.0, 0.25, 0.0, 0.0, 0.0, 3.0, 2.9, -0.01];
        let (q, scales) = quantize_rows(&values, 3);
        assert_eq!(q[..3], [64, -127, 32]);
        assert_eq!(q[3..6], [0, 0, 0], "an all-zero row stays zero");
        assert_eq!(scales[1], 1.0);
        for (i, v) in values.iter().enumerate() {
            let restored = f32::from(q[i]) * scales[i / 3];
            assert!((restored - v).abs() <= scales[i / 3] / 2.0 + 1e-7, "value {i}: {restored} vs {v}");
        }
    }

    #[test]
    fn packed_values_round_trip_at_every_width() {
        for bits in 4..=7 {
            let max = (1i8 << (bits - 1)) - 1;
            let q: Vec<i8> = (0..64).map(|i| (i as i8 % (2 * max + 1)) - max).collect();
            let bytes = pack_values(&q, bits);
            assert_eq!(bytes.len(), 64 * bits / 8);
            let back: Vec<f32> = (0..64).map(|c| packed_value(&bytes, bits, c)).collect();
            assert_eq!(back, q.iter().map(|&v| f32::from(v)).collect::<Vec<_>>(), "{bits} bits");
        }
    }

    #[test]
    fn four_bit_packing_is_low_nibble_first() {
        // The v2 layout: column 2k in the low nibble, 2k + 1 in the high one, stored as q + 8.
        assert_eq!(pack_values(&[-7, 7, 0, 1], 4), vec![0xf1, 0x98]);
    }
}
