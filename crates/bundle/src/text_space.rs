//! The text space of a bundle: MiniLM embeddings projected on their principal components,
//! and the query tower that maps a text vector into the GNN user space.

/// Centre-and-project map from the 384-d MiniLM space to the bundle's text space; outputs
/// are L2-normalised so that dot products are cosines.
#[derive(Debug, Clone, PartialEq)]
pub struct TextProjection {
    /// Mean of the catalogue's embeddings (`[encoder_dim]`).
    pub mean: Vec<f32>,
    /// Principal axes, row-major `[dim, encoder_dim]`.
    pub components: Vec<f32>,
}

impl TextProjection {
    /// Width of the projected vectors.
    pub fn dim(&self) -> usize {
        self.components.len() / self.mean.len().max(1)
    }

    /// Projects one MiniLM embedding and normalises it (a zero result stays zero).
    pub fn project(&self, embedding: &[f32]) -> Vec<f32> {
        let centred: Vec<f32> = embedding.iter().zip(&self.mean).map(|(x, m)| x - m).collect();
        let mut out: Vec<f32> =
            self.components.chunks_exact(self.mean.len()).map(|axis| dot(axis, &centred)).collect();
        normalize(&mut out);
        out
    }
}

/// An affine map `x·W + b`: the query tower (text space → user space, ridge regression of
/// user vectors on the texts of the items they chose) and the MLP models' fold-in map
/// (mean history item embedding → user space).
#[derive(Debug, Clone, PartialEq)]
pub struct AffineMap {
    /// Row-major `[text_dim, user_dim]`.
    pub weight: Vec<f32>,
    /// `[user_dim]`.
    pub bias: Vec<f32>,
}

impl AffineMap {
    /// `x·W + b`.
    pub fn apply(&self, text: &[f32]) -> Vec<f32> {
        let mut out = self.bias.clone();
        for (x, row) in text.iter().zip(self.weight.chunks_exact(self.bias.len())) {
            for (o, w) in out.iter_mut().zip(row) {
                *o += x * w;
            }
        }
        out
    }
}

/// Dot product of equal-length slices.
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Scales `v` to unit L2 norm in place (zero vectors stay zero).
pub fn normalize(v: &mut [f32]) {
    let norm = dot(v, v).sqrt();
    if norm > 0.0 {
        v.iter_mut().for_each(|x| *x /= norm);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn projection_centres_projects_and_normalises() {
        let p = TextProjection { mean: vec![1.0, 1.0, 0.0], components: vec![1.0, 0.0, 0.0, 0.0, 0.0, 1.0] };
        assert_eq!(p.dim(), 2);
        assert_eq!(p.project(&[4.0, 7.0, 4.0]), vec![0.6, 0.8]);
        assert_eq!(p.project(&[1.0, 5.0, 0.0]), vec![0.0, 0.0]);
    }

    #[test]
    fn tower_is_affine() {
        let t = AffineMap { weight: vec![1.0, 2.0, 3.0, 4.0], bias: vec![0.5, -0.5] };
        assert_eq!(t.apply(&[1.0, 1.0]), vec![4.5, 5.5]);
    }
}
