//! [`GraphBackend`] for burn's CubeCL backends (wgpu, CUDA): the sparse product runs
//! as a device kernel, so embeddings stay on the device for the whole training step.
//!
//! The CSR matrix and its [`RowSegments`] plan are uploaded once per operator and
//! direction, on first use, and cached in the [`SparseOperator`].

mod kernel;

use burn::tensor::Shape;
use burn::tensor::ops::FloatTensor;
use burn_cubecl::kernel::into_contiguous;
use burn_cubecl::tensor::CubeTensor;
use burn_cubecl::{BoolElement, CubeBackend, CubeRuntime, FloatElement, IntElement};
use cubecl::prelude::*;
use cubecl::server::Handle;

use crate::graph_backend::through_host;
use crate::row_segments::RowSegments;
use crate::{Csr, GraphBackend, SparseOperator};

/// Lanes per workgroup (columns × segments).
const WORKGROUP_LANES: u32 = 256;

impl<R: CubeRuntime, F: FloatElement, I: IntElement, BT: BoolElement> GraphBackend
    for CubeBackend<R, F, I, BT>
{
    fn spmm(op: &SparseOperator, x: FloatTensor<Self>) -> FloatTensor<Self> {
        if op.is_on_host() || x.dtype != F::dtype() {
            return host_spmm::<R, F, I, BT>(op, x);
        }
        device_spmm::<R, F>(op, x)
    }

    fn has_device_sparse() -> bool {
        true
    }

    fn max_allocation_bytes(device: &Self::Device) -> Option<u64> {
        Some(R::client(device).properties().memory.max_page_size)
    }
}

/// `op × x` on the host: `x` is read back, multiplied on every core and uploaded again
/// (operators asked for [`SparseOperator::on_host`], and float types the kernel lacks).
fn host_spmm<R: CubeRuntime, F: FloatElement, I: IntElement, BT: BoolElement>(
    op: &SparseOperator,
    x: FloatTensor<CubeBackend<R, F, I, BT>>,
) -> FloatTensor<CubeBackend<R, F, I, BT>> {
    through_host::<CubeBackend<R, F, I, BT>>(x, |values, rows, dim| {
        let matrix = op.matrix();
        assert_eq!(
            rows,
            matrix.n_cols(),
            "spmm: operand has {rows} rows, operator {} columns",
            matrix.n_cols()
        );
        (matrix.matmul_dense(values, dim), matrix.n_rows())
    })
}

/// One direction of an operator on one device.
#[derive(Debug, Clone)]
struct DeviceCsr<R: CubeRuntime> {
    device: R::Device,
    n_rows: usize,
    n_cols: usize,
    indices: Handle,
    values: Handle,
    starts: Handle,
    ends: Handle,
    dests: Handle,
    split_rows: Handle,
    split_first: Handle,
    split_counts: Handle,
    n_segments: usize,
    n_split: usize,
    n_partials: usize,
    nnz: usize,
}

impl<R: CubeRuntime> DeviceCsr<R> {
    /// Uploads `matrix` and its segment plan, values as `F`.
    fn upload<F: FloatElement>(matrix: &Csr, client: &ComputeClient<R>, device: &R::Device) -> Self {
        let plan = RowSegments::plan(matrix.indptr());
        // Zero-length buffers are not portable: keep at least one element.
        let mut values: Vec<F> = matrix.values().iter().map(|&v| F::from_elem(v)).collect();
        if values.is_empty() {
            values.push(F::from_elem(0.0));
        }
        let u32s = |v: &[u32]| client.create_from_slice(u32::as_bytes(if v.is_empty() { &[0] } else { v }));
        Self {
            device: device.clone(),
            n_rows: matrix.n_rows(),
            n_cols: matrix.n_cols(),
            indices: u32s(matrix.indices()),
            values: client.create_from_slice(F::as_bytes(&values)),
            starts: u32s(&plan.starts),
            ends: u32s(&plan.ends),
            dests: u32s(&plan.dests),
            split_rows: u32s(&plan.split_rows),
            split_first: u32s(&plan.split_first),
            split_counts: u32s(&plan.split_counts),
            n_segments: plan.len(),
            n_split: plan.split_rows.len(),
            n_partials: plan.n_partials,
            nnz: matrix.nnz(),
        }
    }
}

/// `op × x` on the device of `x`.
fn device_spmm<R: CubeRuntime, F: FloatElement>(op: &SparseOperator, x: CubeTensor<R>) -> CubeTensor<R> {
    let x = into_contiguous(x);
    let (client, device) = (x.client.clone(), x.device.clone());
    let csr: DeviceCsr<R> = op.device_copy(
        |cached: &DeviceCsr<R>| cached.device == device,
        || DeviceCsr::upload::<F>(op.matrix(), &client, &device),
    );
    let (rows, dim) = (x.meta.shape()[0], x.meta.shape()[1]);
    assert_eq!(rows, csr.n_cols, "spmm: operand has {rows} rows, operator {} columns", csr.n_cols);
    let shape = Shape::new([csr.n_rows, dim]);
    if csr.nnz == 0 || dim == 0 {
        let zeros = vec![F::from_elem(0.0); (csr.n_rows * dim).max(1)];
        return CubeTensor::new_contiguous(
            client.clone(),
            device,
            shape,
            client.create_from_slice(F::as_bytes(&zeros)),
            F::dtype(),
        );
    }
    // Each lane owns `vector` consecutive columns; `width` counts vectors. Buffers hold
    // at least one vector (zero-sized bindings are not portable).
    let vector = [4, 2, 1].into_iter().find(|v| dim % v == 0).expect("1 divides");
    let out = client.empty((csr.n_rows * dim).max(vector) * size_of::<F>());
    let partial = client.empty((csr.n_partials * dim).max(vector) * size_of::<F>());
    let width = dim / vector;
    let lanes = (width.next_power_of_two() as u32).clamp(1, 64);
    let cube_dim = CubeDim::new_2d(lanes, WORKGROUP_LANES / lanes);
    let arg = |handle: &Handle, len: usize| unsafe { ArrayArg::from_raw_parts(handle.clone(), len.max(1)) };
    if csr.n_segments > 0 {
        let count = cubecl::calculate_cube_count_elemwise(&client, csr.n_segments * lanes as usize, cube_dim);
        // SAFETY: every index the kernel forms is in bounds by construction of the plan
        // (entries < nnz, destinations < n_rows + n_partials, vectors < width); the tests
        // compare against the host product on ragged, split and empty rows.
        unsafe {
            kernel::segment_sums::launch_unchecked::<F, R>(
                &client,
                count,
                cube_dim,
                vector,
                arg(&csr.starts, csr.n_segments),
                arg(&csr.ends, csr.n_segments),
                arg(&csr.dests, csr.n_segments),
                arg(&csr.indices, csr.nnz),
                arg(&csr.values, csr.nnz),
                x.into_array_arg(),
                arg(&out, csr.n_rows * width),
                arg(&partial, csr.n_partials * width),
                csr.n_rows as u32,
                width as u32,
            )
        };
    }
    if csr.n_split > 0 {
        let count = cubecl::calculate_cube_count_elemwise(&client, csr.n_split * lanes as usize, cube_dim);
        // SAFETY: as above; split rows < n_rows, partial slots < n_partials.
        unsafe {
            kernel::add_partials::launch_unchecked::<F, R>(
                &client,
                count,
                cube_dim,
                vector,
                arg(&csr.split_rows, csr.n_split),
                arg(&csr.split_first, csr.n_split),
                arg(&csr.split_counts, csr.n_split),
                arg(&partial, csr.n_partials * width),
                arg(&out, csr.n_rows * width),
                width as u32,
            )
        };
    }
    CubeTensor::new_contiguous(client, device, shape, out, F::dtype())
}

#[cfg(all(test, feature = "wgpu"))]
mod tests;
