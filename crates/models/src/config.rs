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
