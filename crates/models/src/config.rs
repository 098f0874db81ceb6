//! Which model to train, with its hyper-parameters.

use serde::{Deserialize, Serialize};

use crate::{LightGcnConfig, NgcfConfig, SageConfig};

/// A model family with its hyper-parameters (saved next to every checkpoint).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum ModelConfig {
    /// Heterogeneous GraphSAGE.
    Sage(SageConfig),
    /// LightGCN or LightGCN++ (they differ only in settings).
    LightGcn(LightGcnConfig),
    /// NGCF.
    Ngcf(NgcfConfig),
}

impl ModelConfig {
    /// The graph operators this model propagates with.
    pub fn operators(&self) -> crate::Operators {
        match self {
            Self::Sage(c) => c.operators(),
            Self::LightGcn(c) => c.operators(),
            Self::Ngcf(c) => c.operators(),
        }
    }

    /// The width of the propagated features.
    pub fn dim(&self) -> usize {
        match self {
            Self::Sage(c) => c.dim,
            Self::LightGcn(c) => c.dim,
            Self::Ngcf(c) => c.dim,
        }
    }
}
