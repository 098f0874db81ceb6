//! Multi-head self-attention over unpadded sequences, fused: one query row of scores at a
//! time, no `len × len` matrix and no mask (a sequence only sees its own tokens).

/// Context vectors `[tokens, hidden]` from the fused projections `qkv` (`[tokens, 3·hidden]`,
/// query | key | value) of consecutive sequences of `lengths` tokens.
pub(crate) fn attention(
    qkv: &[f32],
    lengths: &[usize],
    heads: usize,
    scores: &mut Vec<f32>,
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
        let row = |t: usize| &qkv[(start + t) * width..(start + t + 1) * width];
        for h in 0..heads {
            let (q_at, k_at, v_at) = (h * head, hidden + h * head, 2 * hidden + h * head);
            for i in 0..len {
                let q = &row(i)[q_at..q_at + head];
                scores.clear();
                scores.extend((0..len).map(|j| dot(q, &row(j)[k_at..k_at + head]) * scale));
                let max = scores.iter().fold(f32::NEG_INFINITY, |m, &s| m.max(s));
                let mut total = 0.0;
                for s in scores.iter_mut() {
                    *s = (*s - max).exp();
                    total += *s;
                }
                let context =
                    &mut out[(start + i) * hidden + h * head..(start + i) * hidden + (h + 1) * head];
                for (j, &p) in scores.iter().enumerate() {
                    let weight = p / total;
                    for (c, v) in context.iter_mut().zip(&row(j)[v_at..v_at + head]) {
                        *c += weight * v;
                    }
                }
            }
        }
        start += len;
    }
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}
