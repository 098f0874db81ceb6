//! int8 weights × int16 activations → i32 matrix products, the encoder's CPU hot path.
//!
//! A linear layer's weights are int8 `[out, in]` with one f32 scale per output row and group
//! of input columns; activations are quantised to int16 per token (one scale per row). Each
//! group's dot products are exact i32 sums (|a·w| ≤ 32,767 · 127 per product, at most a few
//! hundred products per lane per group, far from overflow), so the SIMD kernels
//! ([`super::simd`]) equal the scalar reference here bit for bit; only the f32 rescaling
//! rounds.

use super::lanes::{fold8, round_to_i32};

/// Tokens one kernel call covers (register blocking).
pub(crate) const TOKENS: usize = 4;
/// Output rows one kernel call covers.
pub(crate) const OUTPUTS: usize = 2;
/// Tokens kept together while the weights stream past (the activations of this many
/// tokens of the widest layer stay in L2).
const TOKEN_TILE: usize = 64;

/// Dots of one block, `[t · OUTPUTS + o]`: token `t` with output row `o`.
pub(crate) type Dots = [i32; TOKENS * OUTPUTS];

/// f32 values of one block, laid out as [`Dots`].
type Dots32 = [f32; TOKENS * OUTPUTS];

/// i32 dot products of [`TOKENS`] activation rows with [`OUTPUTS`] weight rows, per group
/// of `group` columns: `dots[g][t · OUTPUTS + o] = Σ_{k ∈ group g} a[t][k] · w[o][k]`
/// (`dots.len()` groups; every row is `dots.len() · group` long).
pub(crate) type BlockDots = fn(&[&[i16]; TOKENS], &[&[i8]; OUTPUTS], usize, &mut [Dots]);

/// The scalar reference of [`BlockDots`].
pub(crate) fn block_dots_scalar(a: &[&[i16]; TOKENS], w: &[&[i8]; OUTPUTS], group: usize, dots: &mut [Dots]) {
    for (g, dots) in dots.iter_mut().enumerate() {
        let range = g * group..(g + 1) * group;
        for (t, row) in a.iter().enumerate() {
            for (o, weights) in w.iter().enumerate() {
                dots[t * OUTPUTS + o] = dot(&row[range.clone()], &weights[range.clone()]);
            }
        }
    }
}

/// The exact i32 dot product of int16 activations and int8 weights.
pub(crate) fn dot(a: &[i16], w: &[i8]) -> i32 {
    a.iter().zip(w).map(|(&x, &y)| i32::from(x) * i32::from(y)).sum()
}

/// Rows of activations quantised to int16, one scale per row: `x ≈ values · scale`.
#[derive(Debug, Default)]
pub(crate) struct QuantizedRows {
    /// `rows × cols` values, row-major.
    pub values: Vec<i16>,
    /// One scale per row.
    pub scales: Vec<f32>,
    /// Width of a row.
    pub cols: usize,
}

/// The largest int16 magnitude used (symmetric range).
const I16_LEVELS: f32 = 32767.0;

impl QuantizedRows {
    /// Quantises the rows of `x` (`cols` wide) into `self`, reusing its buffers.
    pub fn quantize_from(&mut self, x: &[f32], cols: usize) {
        self.cols = cols;
        self.values.clear();
        self.scales.clear();
        for row in x.chunks_exact(cols) {
            // NaNs are ignored (a comparison with NaN is false).
            let max = fold8(row, 0.0, |m, v| if v.abs() > m { v.abs() } else { m });
            let scale = if max > 0.0 { max / I16_LEVELS } else { 1.0 };
            let inverse = 1.0 / scale;
            self.values.extend(row.iter().map(|v| round_to_i32(v * inverse) as i16));
            self.scales.push(scale);
        }
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.scales.len()
    }

    fn row(&self, r: usize) -> &[i16] {
        &self.values[r * self.cols..(r + 1) * self.cols]
    }
}

/// A weight matrix `[out, in]` in int8 with one f32 scale per output row and group of
/// `group` input columns, laid out as the kernels read it.
#[derive(Debug, Clone)]
pub(crate) struct Int8Matrix {
    values: Vec<i8>,
    /// Per block of [`OUTPUTS`] rows and group, the scales as the block's [`Dots`] are laid
    /// out (`[t · OUTPUTS + o]` holds row `o`'s), so rescaling a block is element-wise.
    block_scales: Vec<Dots32>,
    rows: usize,
    cols: usize,
    group: usize,
}

impl Int8Matrix {
    /// A matrix of `rows × cols` int8 `values` (row-major) with `rows × cols / group` scales
    /// (row-major: a row's groups in order).
    pub fn new(rows: usize, cols: usize, group: usize, values: Vec<i8>, scales: Vec<f32>) -> Self {
        assert!(group > 0 && cols.is_multiple_of(group), "group {group} must divide {cols} columns");
        assert_eq!(values.len(), rows * cols, "values of a {rows} × {cols} matrix");
        let groups = cols / group;
        assert_eq!(scales.len(), rows * groups, "scales of a {rows} × {cols} matrix in groups of {group}");
        // A partial last block repeats its last row (computed, then dropped).
        let block_scales = (0..rows.div_ceil(OUTPUTS))
            .flat_map(|block| (0..groups).map(move |g| (block, g)))
            .map(|(block, g)| {
                std::array::from_fn(|slot| {
                    scales[(block * OUTPUTS + slot % OUTPUTS).min(rows - 1) * groups + g]
                })
            })
            .collect();
        Self { values, block_scales, rows, cols, group }
    }

    /// Output rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Input columns.
    pub fn cols(&self) -> usize {
        self.cols
    }

    fn row(&self, r: usize) -> &[i8] {
        &self.values[r * self.cols..(r + 1) * self.cols]
    }

    /// `out[t][o] = bias[o] + Σ_g a_scale[t] · w_scale[o][g] · Σ_{k ∈ g} a[t][k] · w[o][k]`
    /// for every row `t` of `a`; `out` is `a.rows() × self.rows()`, row-major.
    /// `dots` is scratch space.
    pub fn matmul(
        &self,
        a: &QuantizedRows,
        bias: &[f32],
        block_dots: BlockDots,
        dots: &mut Vec<Dots>,
        out: &mut [f32],
    ) {
        assert_eq!(
            a.cols, self.cols,
            "activations of width {} for a matrix of {} columns",
            a.cols, self.cols
        );
        let (n, t_total, groups) = (self.rows, a.rows(), self.cols / self.group);
        assert_eq!(out.len(), t_total * n);
        assert_eq!(bias.len(), n);
        dots.resize(groups, [0; TOKENS * OUTPUTS]);
        for tile in (0..t_total).step_by(TOKEN_TILE) {
            let tile_end = (tile + TOKEN_TILE).min(t_total);
            for (block, o0) in (0..n).step_by(OUTPUTS).enumerate() {
                // A partial block repeats its last row; the repeats are computed and dropped.
                let w: [&[i8]; OUTPUTS] = std::array::from_fn(|i| self.row((o0 + i).min(n - 1)));
                let scales = &self.block_scales[block * groups..(block + 1) * groups];
                for t0 in (tile..tile_end).step_by(TOKENS) {
                    let rows: [&[i16]; TOKENS] = std::array::from_fn(|i| a.row((t0 + i).min(tile_end - 1)));
                    block_dots(&rows, &w, self.group, dots);
                    let mut sums: Dots32 = [0.0; TOKENS * OUTPUTS];
                    for (dots, scales) in dots.iter().zip(scales) {
                        for slot in 0..TOKENS * OUTPUTS {
                            sums[slot] += dots[slot] as f32 * scales[slot];
                        }
                    }
                    for (t, sums) in (t0..(t0 + TOKENS).min(tile_end)).zip(sums.chunks_exact(OUTPUTS)) {
                        let outputs = o0..(o0 + OUTPUTS).min(n);
                        let row = &mut out[t * n + outputs.start..t * n + outputs.end];
                        for ((y, &sum), &b) in row.iter_mut().zip(sums).zip(&bias[outputs]) {
                            *y = sum * a.scales[t] + b;
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn activations_round_trip_within_half_a_step() {
        let x = [0.5f32, -2.0, 0.001, 0.0, 0.0, 0.0];
        let mut q = QuantizedRows::default();
        q.quantize_from(&x, 3);
        assert_eq!(q.values[..3], [8192, -32767, 16]);
        assert_eq!(q.values[3..], [0, 0, 0], "an all-zero row stays zero");
        assert_eq!(q.scales[1], 1.0);
        for (i, v) in x.iter().enumerate() {
            let restored = f32::from(q.values[i]) * q.scales[i / 3];
            assert!((restored - v).abs() <= q.scales[i / 3] / 2.0 + 1e-9, "{i}: {restored} vs {v}");
        }
    }

    #[test]
    fn matmul_matches_a_float_product_for_partial_blocks() {
        // 5 tokens × 7 columns (one group) against 3 outputs: every block is partial.
        let (t, k, n) = (5, 7, 3);
        let x: Vec<f32> = (0..t * k).map(|i| ((i * 37 % 11) as f32 - 5.0) / 3.0).collect();
        let w: Vec<i8> = (0..n * k).map(|i| (i * 53 % 255) as i8).collect();
        let scales = vec![0.01, 0.02, 0.03];
        let bias = [1.0, -1.0, 0.5];
        let m = Int8Matrix::new(n, k, k, w.clone(), scales.clone());
        let mut a = QuantizedRows::default();
        a.quantize_from(&x, k);
        let mut out = vec![0.0; t * n];
        m.matmul(&a, &bias, block_dots_scalar, &mut Vec::new(), &mut out);
        for r in 0..t {
            for o in 0..n {
                let exact: f32 =
                    (0..k).map(|c| x[r * k + c] * f32::from(w[o * k + c]) * scales[o]).sum::<f32>() + bias[o];
                assert!((out[r * n + o] - exact).abs() < 1e-3, "({r}, {o}): {} vs {exact}", out[r * n + o]);
            }
        }
    }
}
