//! LayerNorm over the hidden dimension, in place.

/// `γ · (x − mean) / √(var + ε) + β` per row.
#[derive(Debug, Clone)]
pub(crate) struct LayerNorm {
    gamma: Vec<f32>,
    beta: Vec<f32>,
    epsilon: f32,
}

impl LayerNorm {
    /// A LayerNorm of width `gamma.len()`.
    pub fn new(gamma: Vec<f32>, beta: Vec<f32>, epsilon: f64) -> Self {
        assert_eq!(gamma.len(), beta.len());
        Self { gamma, beta, epsilon: epsilon as f32 }
    }

    /// Normalises every row of `x` in place.
    pub fn forward(&self, x: &mut [f32]) {
        let width = self.gamma.len() as f32;
        for row in x.chunks_exact_mut(self.gamma.len()) {
            let mean = row.iter().sum::<f32>() / width;
            let variance = row.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / width;
            let inverse = 1.0 / (variance + self.epsilon).sqrt();
            for ((v, g), b) in row.iter_mut().zip(&self.gamma).zip(&self.beta) {
                *v = (*v - mean) * inverse * g + b;
            }
        }
    }
}

/// BERT's GELU, `x · Φ(x)` with the exact normal CDF (through [`erf`]), in place.
pub(crate) fn gelu(x: &mut [f32]) {
    for v in x {
        *v *= 0.5 * (1.0 + erf(*v * std::f32::consts::FRAC_1_SQRT_2));
    }
}

/// Numerator of [`erf`]'s rational form, in powers of `x²` from the constant up (the
/// constant is erf'(0) = 2/√π).
const ERF_P: [f32; 6] = [
    std::f32::consts::FRAC_2_SQRT_PI,
    0.196_251_42,
    0.053_467_877,
    0.004_003_779,
    0.000_288_048_26,
    1.974_854e-6,
];
/// Denominator of [`erf`]'s rational form, in powers of `x²` from the constant up.
const ERF_Q: [f32; 6] = [1.0, 0.507_254_4, 0.116_477_504, 0.015_444_677, 0.001_216_4, 3.748_148_8e-5];

/// The error function in f32, within 4e-7 of the exact value everywhere: `x · P(x²) / Q(x²)`
/// on `|x| ≤ 4` (coefficients fitted for this crate by reweighted least squares), and
/// `erf(±4)` beyond, which is 1 to 2e-8. Branch-free, so the GELU loop vectorises (libm's
/// `erff` was 13 % of the encoder's time).
pub(crate) fn erf(x: f32) -> f32 {
    let x = x.clamp(-4.0, 4.0);
    let t = x * x;
    let horner = |c: &[f32; 6]| c.iter().rev().fold(0.0f32, |acc, &c| acc * t + c);
    x * horner(&ERF_P) / horner(&ERF_Q)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// erf by its Taylor series in f64 (accurate to ~1e-9 on |x| ≤ 4.5; cancellation ruins it
    /// further out, where erf is ±1 to 2e-10).
    fn erf_series(x: f64) -> f64 {
        let (mut term, mut sum) = (x, x);
        for n in 1..200 {
            term *= -x * x / n as f64;
            sum += term / (2 * n + 1) as f64;
        }
        sum * 2.0 / std::f64::consts::PI.sqrt()
    }

    #[test]
    fn erf_is_within_4e_7_everywhere() {
        let mut worst = 0.0f64;
        for i in -80_000..=80_000 {
            let x = i as f64 / 10_000.0;
            let exact = if x.abs() <= 4.5 { erf_series(x) } else { x.signum() };
            worst = worst.max((f64::from(erf(x as f32)) - exact).abs());
        }
        assert!(worst < 4e-7, "max error {worst}");
        assert_eq!((erf(0.0), erf(1e6), erf(-1e6)), (0.0, erf(4.0), -erf(4.0)));
        assert!((erf(f32::INFINITY) - 1.0).abs() < 1e-6);
    }

    #[test]
    fn layer_norm_gives_zero_mean_unit_variance_before_the_affine_part() {
        let norm = LayerNorm::new(vec![1.0; 4], vec![0.0; 4], 1e-12);
        let mut x = [1.0f32, 2.0, 3.0, 4.0, 5.0, 5.0, 5.0, 5.0];
        norm.forward(&mut x);
        let first = &x[..4];
        assert!(first.iter().sum::<f32>().abs() < 1e-5);
        assert!((first.iter().map(|v| v * v).sum::<f32>() / 4.0 - 1.0).abs() < 1e-4);
        assert_eq!(x[4..], [0.0; 4], "a constant row becomes zero");
    }
}
