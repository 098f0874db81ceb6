//! Multi-head self-attention over unpadded sequences, fused: one query row of scores at a
//! time, no `len × len` matrix and no mask (a sequence only sees its own tokens).

/// Buffers of one head's keys and values, reused between calls.
#[derive(Debug, Default)]
pub(crate) struct AttentionScratch {
    keys: Vec<f32>,
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
            // This head's keys and values, contiguous, so the loops below vectorise.
            s.keys.clear();
            s.values.clear();
            for row in rows.chunks_exact(width) {
                s.keys.extend_from_slice(&row[hidden + h * head..hidden + (h + 1) * head]);
                s.values.extend_from_slice(&row[2 * hidden + h * head..2 * hidden + (h + 1) * head]);
            }
            for (i, row) in rows.chunks_exact(width).enumerate() {
                let query = &row[h * head..(h + 1) * head];
                s.scores.clear();
                s.scores.extend(s.keys.chunks_exact(head).map(|key| dot(query, key) * scale));
                let max = s.scores.iter().fold(f32::NEG_INFINITY, |m, &v| m.max(v));
                let mut total = 0.0;
                for v in s.scores.iter_mut() {
                    *v = (*v - max).exp();
                    total += *v;
                }
                let context = &mut out[(start + i) * hidden + h * head..][..head];
                for (&p, value) in s.scores.iter().zip(s.values.chunks_exact(head)) {
                    let weight = p / total;
                    context.iter_mut().zip(value).for_each(|(c, v)| *c += weight * v);
                }
            }
        }
        start += len;
    }
}

/// Dot product with eight independent partial sums (vectorises; the order is fixed, so the
/// result does not depend on the machine).
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut lanes = [0.0f32; 8];
    let (a8, b8) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = a8.remainder().iter().zip(b8.remainder()).map(|(x, y)| x * y).sum();
    for (x, y) in a8.zip(b8) {
        for k in 0..8 {
            lanes[k] += x[k] * y[k];
        }
    }
    lanes.iter().sum::<f32>() + tail
}
