//! Multi-head self-attention over unpadded sequences, fused: one query row of scores at a
//! time, no `len × len` matrix and no mask (a sequence only sees its own tokens).

use super::lanes::{fold8, round_to_i32};

/// Buffers of one head's keys (transposed) and values, reused between calls.
#[derive(Debug, Default)]
pub(crate) struct AttentionScratch {
    keys_t: Vec<f32>,
    values: Vec<f32>,
    scores: Vec<f32>,
}

/// Context vectors `[tokens, hidden]` from the fused projections `qkv` (`[tokens, 3·hidden]`,
/// query | key | value) of consecutive sequences of `lengths` tokens.
pub(crate) fn attention(
    qkv: &[f32],
    lengths: &[usize],
    heads: usize,
    s: &mut AttentionScratch,
    out: &mut Vec<f32>,
) {
    let width = qkv.len() / lengths.iter().sum::<usize>().max(1);
    let hidden = width / 3;
    let head = hidden / heads;
    let scale = 1.0 / (head as f32).sqrt();
    out.clear();
    out.resize(qkv.len() / 3, 0.0);
    let mut start = 0;
    for &len in lengths {
        let rows = &qkv[start * width..(start + len) * width];
        for h in 0..heads {
            // This head's keys transposed (`[head, len]`: a query's scores are `head` axpys
            // along the keys, no horizontal sums) and its values contiguous.
            s.keys_t.clear();
            s.keys_t.resize(head * len, 0.0);
            s.values.clear();
            for (j, row) in rows.chunks_exact(width).enumerate() {
                for (d, &k) in row[hidden + h * head..hidden + (h + 1) * head].iter().enumerate() {
                    s.keys_t[d * len + j] = k;
                }
                s.values.extend_from_slice(&row[2 * hidden + h * head..2 * hidden + (h + 1) * head]);
            }
            for (i, row) in rows.chunks_exact(width).enumerate() {
                let query = &row[h * head..(h + 1) * head];
                s.scores.clear();
                s.scores.resize(len, 0.0);
                for (&q, keys) in query.iter().zip(s.keys_t.chunks_exact(len)) {
                    let q = q * scale;
                    s.scores.iter_mut().zip(keys).for_each(|(score, k)| *score += q * k);
                }
                let max = fold8(&s.scores, f32::NEG_INFINITY, |m, v| if v > m { v } else { m });
                s.scores.iter_mut().for_each(|v| *v = exp_non_positive(*v - max));
                let total = fold8(&s.scores, 0.0, |sum, v| sum + v);
                let context = &mut out[(start + i) * hidden + h * head..][..head];
                for (&p, value) in s.scores.iter().zip(s.values.chunks_exact(head)) {
                    context.iter_mut().zip(value).for_each(|(c, v)| *c += p * v);
                }
                let inverse = 1.0 / total;
                context.iter_mut().for_each(|c| *c *= inverse);
            }
        }
        start += len;
    }
}

/// `eˣ` for `x ≤ 0` (softmax after subtracting the maximum), relative error under 4e-7 down to −87 (below that, the smallest normal f32, ~1e-38, instead of less). Branch-free
/// (`x = n·ln 2 + r`, a degree-6 Taylor polynomial for `eʳ` on `|r| ≤ ln 2 / 2`, then
/// `2ⁿ` through the exponent bits), so the softmax loop vectorises; libm's `expf` was 4 %
/// of a 40-word query in the browser.
fn exp_non_positive(x: f32) -> f32 {
    const LN2_HIGH: f32 = 0.693_145_75;
    const LN2_LOW: f32 = 1.428_606_8e-6;
    let x = x.clamp(-87.0, 0.0);
    let n = round_to_i32(x * std::f32::consts::LOG2_E);
    let r = x - n as f32 * LN2_HIGH - n as f32 * LN2_LOW;
    let p = [1.0 / 720.0, 1.0 / 120.0, 1.0 / 24.0, 1.0 / 6.0, 0.5, 1.0, 1.0]
        .iter()
        .fold(0.0f32, |acc, &c| acc * r + c);
    p * f32::from_bits(((n + 127) as u32) << 23)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_non_positive_is_within_4e_7_relative() {
        let mut worst = 0.0f64;
        for i in 0..=870_000 {
            let x = -(i as f64) / 10_000.0;
            let (fast, exact) = (f64::from(exp_non_positive(x as f32)), (x as f32 as f64).exp());
            worst = worst.max((fast - exact).abs() / exact);
        }
        assert!(worst < 4e-7, "worst relative error {worst}");
        assert_eq!(exp_non_positive(0.0), 1.0);
        assert!(exp_non_positive(-1e9) > 0.0 && exp_non_positive(-1e9) < 2e-38);
    }
}
