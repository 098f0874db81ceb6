//! Adam with gradient-norm clipping and weight decay, fused into one pass per parameter.
//!
//! burn's `Adam` with `GradientClippingConfig::Norm` computes the same update in about
//! sixteen tensor operations, each a pass over the parameter that allocates its result.
//! A LightGCN embedding table has every node's row, so on a large catalogue those passes
//! cost more than the graph propagation of the step. [`AdamBackend::adam_step`] does one
//! parallel pass on host backends (burn-ndarray, in place when the buffers are not
//! shared) and the composed operations elsewhere.

use burn::module::AutodiffModule;
use burn::optim::LearningRate;
use burn::optim::SimpleOptimizer;
use burn::optim::adaptor::OptimizerAdaptor;
use burn::record::Record;
use burn::tensor::Tensor;
use burn::tensor::backend::{AutodiffBackend, Backend};

/// Adam's settings for one step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdamSettings {
    /// First-moment decay β₁.
    pub beta_1: f32,
    /// Second-moment decay β₂.
    pub beta_2: f32,
    /// ε added to the root of the second moment (PyTorch's placement).
    pub epsilon: f32,
    /// Added to the gradient times the parameter (L2 weight decay); 0 disables it.
    pub weight_decay: f32,
    /// Scale the gradient down to this L2 norm when it is longer (per parameter tensor).
    pub clip_norm: Option<f32>,
}

impl AdamSettings {
    /// β = (0.9, 0.999), the given ε, no weight decay, clipping at norm 1.
    pub fn new(epsilon: f32) -> Self {
        Self { beta_1: 0.9, beta_2: 0.999, epsilon, weight_decay: 0.0, clip_norm: Some(1.0) }
    }

    /// The optimizer for `M`'s parameters.
    pub fn init<B, M>(self) -> OptimizerAdaptor<FusedAdam, M, B>
    where
        B: AutodiffBackend,
        B::InnerBackend: AdamBackend,
        M: AutodiffModule<B>,
    {
        OptimizerAdaptor::from(FusedAdam { settings: self })
    }
}

/// The step-dependent factors of an update: `p -= lr·scale·m / (√v + ε')`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdamStep {
    /// The settings.
    pub settings: AdamSettings,
    /// Learning rate.
    pub learning_rate: f32,
    /// 1-based step count of this parameter.
    pub time: usize,
}

impl AdamStep {
    /// Bias corrections folded into one factor on `m` and the ε used against `√v`.
    fn factors(&self) -> (f32, f32) {
        let s = &self.settings;
        let correction_2 = (1.0 - s.beta_2.powi(self.time as i32)).sqrt();
        (correction_2 / (1.0 - s.beta_1.powi(self.time as i32)), s.epsilon * correction_2)
    }
}

/// A backend that can run a fused Adam step.
pub trait AdamBackend: Backend {
    /// One Adam step: returns the new parameter and the new first and second moments
    /// (`moments` is `None` before the first step). By default composed of tensor
    /// operations.
    fn adam_step<const D: usize>(
        param: Tensor<Self, D>,
        grad: Tensor<Self, D>,
        moments: Option<(Tensor<Self, D>, Tensor<Self, D>)>,
        step: AdamStep,
    ) -> (Tensor<Self, D>, Tensor<Self, D>, Tensor<Self, D>) {
        composed_step(param, grad, moments, step)
    }
}

/// [`AdamBackend::adam_step`] as tensor operations.
pub fn composed_step<B: Backend, const D: usize>(
    param: Tensor<B, D>,
    grad: Tensor<B, D>,
    moments: Option<(Tensor<B, D>, Tensor<B, D>)>,
    step: AdamStep,
) -> (Tensor<B, D>, Tensor<B, D>, Tensor<B, D>) {
    let s = step.settings;
    let mut grad = grad;
    if let Some(limit) = s.clip_norm {
        let norm = grad.clone().square().sum().sqrt();
        let scale = (norm.add_scalar(f32::MIN_POSITIVE).recip() * limit).clamp_max(1.0);
        grad = grad * scale.unsqueeze();
    }
    if s.weight_decay != 0.0 {
        grad = grad + param.clone() * s.weight_decay;
    }
    let (m, v) = match moments {
        Some((m, v)) => (m * s.beta_1, v * s.beta_2),
        None => (grad.zeros_like(), grad.zeros_like()),
    };
    let m = m + grad.clone() * (1.0 - s.beta_1);
    let v = v + grad.square() * (1.0 - s.beta_2);
    let (scale, epsilon) = step.factors();
    let update = m.clone() * (scale * step.learning_rate) / (v.clone().sqrt() + epsilon);
    (param - update, m, v)
}

/// The fused pass over flat buffers: updates `param`, `m` and `v` in place.
fn host_step(param: &mut [f32], grad: &[f32], m: &mut [f32], v: &mut [f32], step: AdamStep) {
    use rayon::prelude::*;
    const CHUNK: usize = 1 << 14;
    let s = step.settings;
    let clip = match s.clip_norm {
        Some(limit) => {
            let square: f64 =
                grad.par_chunks(CHUNK).map(|c| c.iter().map(|&g| f64::from(g * g)).sum::<f64>()).sum();
            (limit / (square.sqrt() as f32 + f32::MIN_POSITIVE)).min(1.0)
        }
        None => 1.0,
    };
    let (scale, epsilon) = step.factors();
    let rate = scale * step.learning_rate;
    param
        .par_chunks_mut(CHUNK)
        .zip(grad.par_chunks(CHUNK))
        .zip(m.par_chunks_mut(CHUNK))
        .zip(v.par_chunks_mut(CHUNK))
        .for_each(|(((p, g), m), v)| {
            for (((p, g), m), v) in p.iter_mut().zip(g).zip(m.iter_mut()).zip(v.iter_mut()) {
                let g = g * clip + s.weight_decay * *p;
                *m = s.beta_1 * *m + (1.0 - s.beta_1) * g;
                *v = s.beta_2 * *v + (1.0 - s.beta_2) * g * g;
                *p -= rate * *m / (v.sqrt() + epsilon);
            }
        });
}

impl AdamBackend for burn::backend::NdArray {
    fn adam_step<const D: usize>(
        param: Tensor<Self, D>,
        grad: Tensor<Self, D>,
        moments: Option<(Tensor<Self, D>, Tensor<Self, D>)>,
        step: AdamStep,
    ) -> (Tensor<Self, D>, Tensor<Self, D>, Tensor<Self, D>) {
        let (m, v) = moments.unwrap_or_else(|| (param.zeros_like(), param.zeros_like()));
        let arrays = (host::array(&param), host::array(&grad), host::array(&m), host::array(&v));
        let (Some(mut p), Some(g), Some(mut m_array), Some(mut v_array)) = arrays else {
            return composed_step(param, grad, Some((m, v)), step);
        };
        drop((param, m, v));
        let ready = match (p.as_slice_mut(), g.as_slice(), m_array.as_slice_mut(), v_array.as_slice_mut()) {
            (Some(p), Some(g), Some(m), Some(v)) => {
                host_step(p, g, m, v, step);
                true
            }
            _ => false,
        };
        let (p, m, v) = (host::tensor::<D>(p), host::tensor::<D>(m_array), host::tensor::<D>(v_array));
        if ready { (p, m, v) } else { composed_step(p, grad, Some((m, v)), step) }
    }
}

#[cfg(feature = "wgpu")]
impl AdamBackend for burn::backend::Wgpu {}

#[cfg(feature = "cuda")]
impl AdamBackend for burn::backend::Cuda {}

/// burn-ndarray tensors as shared arrays and back.
mod host {
    use burn::backend::NdArray;
    use burn::backend::ndarray::NdArrayTensor;
    use burn::tensor::{Tensor, TensorPrimitive};
    use ndarray::{ArcArray, IxDyn};

    /// The f32 array behind `x` (shared, so writing copies only if another tensor holds it).
    pub(super) fn array<const D: usize>(x: &Tensor<NdArray, D>) -> Option<ArcArray<f32, IxDyn>> {
        match x.clone().into_primitive().tensor() {
            NdArrayTensor::F32(storage) => Some(storage.into_shared()),
            _ => None,
        }
    }

    /// A tensor over `array`.
    pub(super) fn tensor<const D: usize>(array: ArcArray<f32, IxDyn>) -> Tensor<NdArray, D> {
        Tensor::from_primitive(TensorPrimitive::Float(NdArrayTensor::from(array)))
    }
}

/// [`SimpleOptimizer`] over [`AdamBackend::adam_step`].
#[derive(Debug, Clone)]
pub struct FusedAdam {
    settings: AdamSettings,
}

/// Adam's per-parameter state.
#[derive(Record, Clone)]
pub struct AdamMoments<B: Backend, const D: usize> {
    /// Steps taken.
    pub time: usize,
    /// First moment.
    pub moment_1: Tensor<B, D>,
    /// Second moment.
    pub moment_2: Tensor<B, D>,
}

impl<B: AdamBackend> SimpleOptimizer<B> for FusedAdam {
    type State<const D: usize> = AdamMoments<B, D>;

    fn step<const D: usize>(
        &self,
        lr: LearningRate,
        tensor: Tensor<B, D>,
        grad: Tensor<B, D>,
        state: Option<Self::State<D>>,
    ) -> (Tensor<B, D>, Option<Self::State<D>>) {
        let time = state.as_ref().map_or(0, |s| s.time) + 1;
        let step = AdamStep { settings: self.settings, learning_rate: lr as f32, time };
        let moments = state.map(|s| (s.moment_1, s.moment_2));
        let (param, moment_1, moment_2) = B::adam_step(tensor, grad, moments, step);
        (param, Some(AdamMoments { time, moment_1, moment_2 }))
    }

    fn to_device<const D: usize>(state: Self::State<D>, device: &B::Device) -> Self::State<D> {
        AdamMoments {
            time: state.time,
            moment_1: state.moment_1.to_device(device),
            moment_2: state.moment_2.to_device(device),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::backend::NdArray;
    use burn::grad_clipping::GradientClippingConfig;
    use burn::optim::AdamConfig;
    use burn::optim::decay::WeightDecayConfig;
    use burn::tensor::Distribution;

    #[test]
    fn fused_and_composed_steps_match_burns_adam() {
        let device = Default::default();
        let settings = AdamSettings { weight_decay: 0.01, ..AdamSettings::new(1e-8) };
        let burn_adam = AdamConfig::new()
            .with_epsilon(1e-8)
            .with_weight_decay(Some(WeightDecayConfig::new(0.01)))
            .build();
        let clip = GradientClippingConfig::Norm(1.0).init();
        let start = Tensor::<NdArray, 2>::random([300, 7], Distribution::Normal(0.0, 1.0), &device);
        let (mut reference, mut reference_state) = (start.clone(), None);
        let (mut fused, mut fused_state) = (start.clone(), None);
        let (mut composed, mut moments) = (start, None);
        for time in 1..=5 {
            // Large gradients at first (clipped), small ones later (not clipped).
            let scale = if time < 3 { 1.0 } else { 1e-3 };
            let grad = Tensor::<NdArray, 2>::random([300, 7], Distribution::Normal(0.0, scale), &device);
            (reference, reference_state) =
                burn_adam.step(0.01, reference, clip.clip_gradient(grad.clone()), reference_state);
            (fused, fused_state) = FusedAdam { settings }.step(0.01, fused, grad.clone(), fused_state);
            let step = AdamStep { settings, learning_rate: 0.01, time };
            let (p, m, v) = composed_step(composed, grad, moments, step);
            (composed, moments) = (p, Some((m, v)));
        }
        let reference = reference.into_data();
        fused.into_data().assert_approx_eq::<f32>(&reference, Default::default());
        composed.into_data().assert_approx_eq::<f32>(&reference, Default::default());
    }

    #[test]
    fn a_shared_parameter_is_not_written_in_place() {
        let device = Default::default();
        let param = Tensor::<NdArray, 1>::from_floats([1.0, 2.0], &device);
        let keep = param.clone();
        let grad = Tensor::<NdArray, 1>::from_floats([0.5, -0.5], &device);
        let step = AdamStep { settings: AdamSettings::new(1e-8), learning_rate: 0.1, time: 1 };
        let (updated, _, _) = NdArray::adam_step(param, grad, None, step);
        keep.into_data().assert_eq(&burn::tensor::TensorData::from([1.0f32, 2.0]), false);
        updated
            .into_data()
            .assert_approx_eq::<f32>(&burn::tensor::TensorData::from([0.9f32, 2.1]), Default::default());
    }
}
