//! Degree-aware division of a CSR product into equal-sized pieces of work, for the
//! device kernel ([`crate::device_spmm`]).
//!
//! Interaction graphs are power-law: a popular item's row holds thousands of entries
//! while most rows hold a handful. One lane group per row would leave most of a
//! workgroup idle while one lane group walks the long row. Instead every row is cut
//! into segments of at most [`SEGMENT_NNZ`] entries; segments are ordered longest first
//! so that neighbouring slots (one workgroup) do similar amounts of work. A row that
//! fits in one segment is written straight to the output; the segments of a longer row
//! write partial sums that a second pass adds up.

/// The most entries one segment accumulates.
pub const SEGMENT_NNZ: usize = 128;

/// A CSR matrix's rows cut into segments (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowSegments {
    /// First entry (index into the CSR's `indices`/`values`) of each segment.
    pub starts: Vec<u32>,
    /// One past the last entry of each segment.
    pub ends: Vec<u32>,
    /// Where each segment's sum goes: output row `d` when `d < n_rows`, otherwise
    /// partial-sum slot `d - n_rows`.
    pub dests: Vec<u32>,
    /// The rows split over several segments.
    pub split_rows: Vec<u32>,
    /// The first partial-sum slot of each split row; its slots are consecutive.
    pub split_first: Vec<u32>,
    /// How many partial-sum slots each split row has.
    pub split_counts: Vec<u32>,
    /// Total partial-sum slots.
    pub n_partials: usize,
}

impl RowSegments {
    /// Plans the segments of a matrix with row pointers `indptr` (CSR layout, `n_rows + 1`
    /// entries). Every row gets at least one segment, so empty rows are written as zeros.
    ///
    /// # Panics
    /// If the matrix has `u32::MAX` or more rows plus partial slots or entries (beyond
    /// what the kernel addresses).
    pub fn plan(indptr: &[usize]) -> Self {
        let n_rows = indptr.len().saturating_sub(1);
        let nnz = indptr.last().copied().unwrap_or(0);
        assert!(nnz < u32::MAX as usize, "{nnz} entries exceed the kernel's u32 indices");
        let mut segments: Vec<(u32, u32, u32)> = Vec::with_capacity(n_rows + nnz / SEGMENT_NNZ);
        let mut plan = Self {
            starts: Vec::new(),
            ends: Vec::new(),
            dests: Vec::new(),
            split_rows: Vec::new(),
            split_first: Vec::new(),
            split_counts: Vec::new(),
            n_partials: 0,
        };
        for row in 0..n_rows {
            let (start, end) = (indptr[row], indptr[row + 1]);
            if end - start <= SEGMENT_NNZ {
                segments.push((start as u32, end as u32, row as u32));
                continue;
            }
            let pieces = (end - start).div_ceil(SEGMENT_NNZ);
            plan.split_rows.push(row as u32);
            plan.split_first.push(plan.n_partials as u32);
            plan.split_counts.push(pieces as u32);
            for piece in 0..pieces {
                let from = start + piece * SEGMENT_NNZ;
                let dest = n_rows + plan.n_partials + piece;
                assert!(dest < u32::MAX as usize, "{dest} output slots exceed the kernel's u32 indices");
                segments.push((from as u32, end.min(from + SEGMENT_NNZ) as u32, dest as u32));
            }
            plan.n_partials += pieces;
        }
        segments.sort_by_key(|&(start, end, _)| std::cmp::Reverse(end - start));
        for (start, end, dest) in segments {
            plan.starts.push(start);
            plan.ends.push(end);
            plan.dests.push(dest);
        }
        plan
    }

    /// Number of segments.
    pub fn len(&self) -> usize {
        self.starts.len()
    }

    /// Whether there are no segments (a matrix with no rows).
    pub fn is_empty(&self) -> bool {
        self.starts.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Replays a plan on the host, the way the two kernel passes do.
    fn replay(plan: &RowSegments, indptr: &[usize], entry: &[f32]) -> Vec<f32> {
        let n_rows = indptr.len() - 1;
        let mut out = vec![f32::NAN; n_rows];
        let mut partial = vec![f32::NAN; plan.n_partials];
        for s in 0..plan.len() {
            let sum = (plan.starts[s]..plan.ends[s]).map(|k| entry[k as usize]).sum();
            let dest = plan.dests[s] as usize;
            if dest < n_rows { out[dest] = sum } else { partial[dest - n_rows] = sum }
        }
        for (i, &row) in plan.split_rows.iter().enumerate() {
            let first = plan.split_first[i] as usize;
            out[row as usize] = partial[first..first + plan.split_counts[i] as usize].iter().sum();
        }
        out
    }

    #[test]
    fn every_entry_is_summed_once_into_its_row() {
        // Rows of 0, 1, 128, 129, 300 and 5 entries.
        let degrees = [0usize, 1, SEGMENT_NNZ, SEGMENT_NNZ + 1, 300, 5];
        let mut indptr = vec![0];
        for d in degrees {
            indptr.push(indptr.last().unwrap() + d);
        }
        let entry: Vec<f32> = (0..*indptr.last().unwrap()).map(|k| (k % 7) as f32).collect();
        let plan = RowSegments::plan(&indptr);
        let expected: Vec<f32> =
            (0..degrees.len()).map(|r| entry[indptr[r]..indptr[r + 1]].iter().sum()).collect();
        assert_eq!(replay(&plan, &indptr, &entry), expected);
        assert_eq!(plan.split_rows, vec![3, 4]);
        assert_eq!(plan.split_counts, vec![2, 3]);
        assert_eq!(plan.n_partials, 5);
        // Longest first, and no segment longer than the cap.
        let lengths: Vec<u32> = plan.starts.iter().zip(&plan.ends).map(|(s, e)| e - s).collect();
        assert!(lengths.windows(2).all(|w| w[0] >= w[1]), "{lengths:?}");
        assert_eq!(lengths[0] as usize, SEGMENT_NNZ);
    }

    #[test]
    fn a_matrix_without_rows_has_no_segments() {
        let plan = RowSegments::plan(&[0]);
        assert!(plan.is_empty() && plan.n_partials == 0);
    }
}
