//! What can go wrong when fitting a graph filter.

/// A graph filter could not be fitted; each variant says which input or setting is at fault.
#[derive(Debug, thiserror::Error)]
pub enum GraphFilterError {
    /// No user has a training interaction.
    #[error("the interaction matrix is empty: no user has a training item")]
    EmptyInteractions,
    /// A training list names an item outside the catalogue.
    #[error("user {user} has training item {item}, but the catalogue has {n_items} items")]
    ItemOutOfRange {
        /// The user (row of the training lists).
        user: usize,
        /// The offending item id.
        item: u32,
        /// Catalogue size.
        n_items: usize,
    },
    /// The asked-for rank exceeds what the matrix can have.
    #[error(
        "rank {rank} is larger than the interaction matrix allows (min(users, items) with interactions = {max}); ask for {max} or less"
    )]
    RankTooLarge {
        /// The asked-for rank.
        rank: usize,
        /// The largest possible rank.
        max: usize,
    },
    /// A setting would produce NaN or an empty search.
    #[error("setting `{name}` = {value} is invalid: {why}")]
    InvalidSetting {
        /// The setting's name as in the saved configuration.
        name: &'static str,
        /// Its value.
        value: f64,
        /// What a valid value looks like.
        why: &'static str,
    },
    /// Nobody can be used to choose the filter.
    #[error("no user has both training and validation items: the filter cannot be tuned")]
    NoValidationUsers,
    /// The blend's two parts describe different catalogues.
    #[error(
        "the graph filter has {filter} items but the learned model {learned}: they must come from the same split"
    )]
    BlendShape {
        /// Items of the filter.
        filter: usize,
        /// Items of the learned model.
        learned: usize,
    },
    /// The computation produced NaN or infinity.
    #[error("the {what} contain non-finite values (settings: {settings})")]
    NonFinite {
        /// Which product went wrong.
        what: &'static str,
        /// The settings that produced it.
        settings: String,
    },
}
