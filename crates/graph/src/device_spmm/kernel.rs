//! The two CubeCL passes of the CSR × dense product (see [`crate::row_segments`]).
//!
//! Layout: a workgroup is `CUBE_DIM_X` lanes along the feature columns times
//! `CUBE_DIM_Y` segments (or split rows). Each lane owns a vector of `N` consecutive
//! columns (`N` = 4 when the width allows: 128-bit loads). Lanes of one segment read the
//! same CSR entry and consecutive vectors of one row of `x`, so their loads coalesce; a
//! width wider than the workgroup is walked in strides of `CUBE_DIM_X`. Widths
//! (`width`) are counted in vectors.

use cubecl::prelude::*;

/// Pass 1: every segment's sum of `value × x[column]` over its entries, written to its
/// output row, or to its partial-sum slot when the row was split.
#[cube(launch_unchecked)]
pub fn segment_sums<F: Float, N: Size>(
    starts: &Array<u32>,
    ends: &Array<u32>,
    dests: &Array<u32>,
    indices: &Array<u32>,
    values: &Array<F>,
    x: &Array<Vector<F, N>>,
    out: &mut Array<Vector<F, N>>,
    partial: &mut Array<Vector<F, N>>,
    n_rows: u32,
    width: u32,
) {
    let segment = CUBE_POS * CUBE_DIM_Y as usize + UNIT_POS_Y as usize;
    if segment >= starts.len() {
        terminate!();
    }
    let start = starts[segment] as usize;
    let end = ends[segment] as usize;
    let dest = dests[segment];
    let width = width as usize;
    let mut column = UNIT_POS_X as usize;
    while column < width {
        let mut sum = Vector::<F, N>::new(F::new(0.0));
        for k in start..end {
            sum += Vector::<F, N>::new(values[k]) * x[indices[k] as usize * width + column];
        }
        if dest < n_rows {
            out[dest as usize * width + column] = sum;
        } else {
            partial[(dest - n_rows) as usize * width + column] = sum;
        }
        column += CUBE_DIM_X as usize;
    }
}

/// Pass 2: every split row's output is the sum of its consecutive partial-sum slots.
#[cube(launch_unchecked)]
pub fn add_partials<F: Float, N: Size>(
    rows: &Array<u32>,
    firsts: &Array<u32>,
    counts: &Array<u32>,
    partial: &Array<Vector<F, N>>,
    out: &mut Array<Vector<F, N>>,
    width: u32,
) {
    let slot = CUBE_POS * CUBE_DIM_Y as usize + UNIT_POS_Y as usize;
    if slot >= rows.len() {
        terminate!();
    }
    let row = rows[slot] as usize;
    let first = firsts[slot] as usize;
    let last = first + counts[slot] as usize;
    let width = width as usize;
    let mut column = UNIT_POS_X as usize;
    while column < width {
        let mut sum = Vector::<F, N>::new(F::new(0.0));
        for p in first..last {
            sum += partial[p * width + column];
        }
        out[row * width + column] = sum;
        column += CUBE_DIM_X as usize;
    }
}
