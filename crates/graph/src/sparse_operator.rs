//! A fixed sparse matrix as a graph operator: the matrix, its transpose (for the backward
//! pass) and, per direction, the copy a device backend uploaded.

use std::any::Any;
use std::sync::{Arc, Mutex};

use crate::Csr;

/// A fixed sparse matrix together with its transpose (used by the backward pass).
#[derive(Debug, Clone)]
pub struct SparseOperator {
    forward: Direction,
    transposed: Direction,
    on_host: bool,
}

/// One direction of an operator: the host matrix and, once a device backend has used
/// it, that backend's copy.
#[derive(Debug, Clone)]
struct Direction {
    matrix: Arc<Csr>,
    device: Arc<DeviceSlot>,
}

impl Direction {
    fn new(matrix: Csr) -> Self {
        Self { matrix: Arc::new(matrix), device: Arc::default() }
    }
}

/// A backend's device copy of a matrix, typed by that backend.
#[derive(Default)]
struct DeviceSlot(Mutex<Option<Box<dyn Any + Send + Sync>>>);

impl std::fmt::Debug for DeviceSlot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let filled = self.0.lock().map(|slot| slot.is_some()).unwrap_or(false);
        f.debug_tuple("DeviceSlot").field(&if filled { "uploaded" } else { "empty" }).finish()
    }
}

impl SparseOperator {
    /// Wraps a matrix, precomputing its transpose.
    pub fn new(matrix: Csr) -> Self {
        let transposed = Direction::new(matrix.transpose());
        Self { forward: Direction::new(matrix), transposed, on_host: false }
    }

    /// The same operator, multiplied on the host even by backends with a device kernel
    /// (each product then copies the operand to the host and back).
    pub fn on_host(mut self) -> Self {
        self.on_host = true;
        self
    }

    /// Another matrix, multiplied where this operator multiplies (on the host when this
    /// one is [`Self::on_host`]).
    pub fn like(&self, matrix: Csr) -> Self {
        Self { on_host: self.on_host, ..Self::new(matrix) }
    }

    /// Whether [`Self::on_host`] was asked for.
    pub fn is_on_host(&self) -> bool {
        self.on_host
    }

    /// The matrix this operator multiplies by.
    pub fn matrix(&self) -> &Csr {
        &self.forward.matrix
    }

    /// The transposed operator (shares storage, device copies included).
    pub fn transposed(&self) -> Self {
        Self { forward: self.transposed.clone(), transposed: self.forward.clone(), on_host: self.on_host }
    }

    /// The device copy of [`Self::matrix`] a backend keeps here: the cached one when
    /// it is a `T` that `fits` (e.g. is on the right device), otherwise a fresh `make()`,
    /// which replaces it.
    pub fn device_copy<T: Any + Clone + Send + Sync>(
        &self,
        fits: impl Fn(&T) -> bool,
        make: impl FnOnce() -> T,
    ) -> T {
        let mut slot = self.forward.device.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(cached) = slot.as_ref().and_then(|any| any.downcast_ref::<T>()).filter(|t| fits(t)) {
            return cached.clone();
        }
        let fresh = make();
        *slot = Some(Box::new(fresh.clone()));
        fresh
    }
}
