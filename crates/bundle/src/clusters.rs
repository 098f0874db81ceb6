//! The cluster index over the items' GNN embeddings (format v1): its stored tensors and the
//! member lists a reader rebuilds from them.

use thiserror::Error;

/// Cluster tensors that do not describe one cluster per item.
#[derive(Debug, Error, PartialEq)]
pub enum ClusterError {
    /// The number of labels differs from the number of centroids.
    #[error("{labels} labels for {clusters} clusters")]
    Labels {
        /// Labels given.
        labels: usize,
        /// Centroids given.
        clusters: usize,
    },
    /// `order` lists an item the assignment does not have.
    #[error("item {item} out of range")]
    ItemOutOfRange {
        /// The item.
        item: u32,
    },
    /// `order` lists an item twice.
    #[error("item {item} is listed twice")]
    Repeated {
        /// The item.
        item: u32,
    },
    /// The assignment puts an item in a cluster that does not exist.
    #[error("item {item} in cluster {cluster} of {clusters}")]
    ClusterOutOfRange {
        /// The item.
        item: u32,
        /// Its cluster.
        cluster: u32,
        /// Number of clusters.
        clusters: usize,
    },
    /// `order` leaves an item out.
    #[error("item {item} is in no cluster")]
    Unlisted {
        /// The first such item.
        item: u32,
    },
}

/// The clusters in their stored form (`clusters.*` tensors, labels in the manifest).
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterTensors {
    /// Row-major `[k, dim]`.
    pub centroids: Vec<f32>,
    /// Cluster of each item.
    pub assignment: Vec<u32>,
    /// All items grouped by cluster, each group closest to its centroid first.
    pub order: Vec<u32>,
    /// A short label per cluster.
    pub labels: Vec<String>,
}

impl ClusterTensors {
    /// The member lists, checked (every item in exactly one existing cluster).
    pub fn index(&self, dim: usize) -> Result<ClusterIndex, ClusterError> {
        ClusterIndex::from_assignment(
            self.centroids.clone(),
            dim,
            &self.assignment,
            &self.order,
            self.labels.clone(),
        )
    }
}

/// k-means clusters of the item embeddings: centroids, members, and a short label each.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterIndex {
    /// Row-major `[n_clusters, d]`.
    pub centroids: Vec<f32>,
    /// Item indices of each cluster, closest to the centroid first.
    pub members: Vec<Vec<u32>>,
    /// Human-readable label (titles of the most central members).
    pub labels: Vec<String>,
}

impl ClusterIndex {
    /// Rebuilds the member lists from one cluster id per item (ordered as given by
    /// `order`, e.g. by distance to the centroid). Errors name the first bad entry.
    pub fn from_assignment(
        centroids: Vec<f32>,
        dim: usize,
        assignment: &[u32],
        order: &[u32],
        labels: Vec<String>,
    ) -> Result<Self, ClusterError> {
        let k = centroids.len() / dim.max(1);
        if labels.len() != k {
            return Err(ClusterError::Labels { labels: labels.len(), clusters: k });
        }
        let mut members = vec![Vec::new(); k];
        let mut seen = vec![false; assignment.len()];
        for &item in order {
            let cluster = *assignment.get(item as usize).ok_or(ClusterError::ItemOutOfRange { item })?;
            if std::mem::replace(&mut seen[item as usize], true) {
                return Err(ClusterError::Repeated { item });
            }
            members
                .get_mut(cluster as usize)
                .ok_or(ClusterError::ClusterOutOfRange { item, cluster, clusters: k })?
                .push(item);
        }
        if let Some(missing) = seen.iter().position(|s| !s) {
            return Err(ClusterError::Unlisted { item: missing as u32 });
        }
        Ok(Self { centroids, members, labels })
    }

    /// Number of clusters.
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// Whether there are no clusters.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_follow_the_order_and_bad_input_is_named() {
        let c = ClusterIndex::from_assignment(
            vec![0.0; 4],
            2,
            &[1, 0, 1],
            &[2, 0, 1],
            vec!["a".into(), "b".into()],
        )
        .unwrap();
        assert_eq!(c.members, vec![vec![1], vec![2, 0]]);
        let labels = || vec!["a".to_string(), "b".to_string()];
        let bad = |assignment: &[u32], order: &[u32]| {
            ClusterIndex::from_assignment(vec![0.0; 4], 2, assignment, order, labels()).unwrap_err()
        };
        assert_eq!(
            bad(&[1, 0, 2], &[0, 1, 2]),
            ClusterError::ClusterOutOfRange { item: 2, cluster: 2, clusters: 2 }
        );
        assert_eq!(bad(&[1, 0, 1], &[0, 0, 1]), ClusterError::Repeated { item: 0 });
        assert_eq!(bad(&[1, 0, 1], &[0, 1]), ClusterError::Unlisted { item: 2 });
        assert_eq!(bad(&[1, 0, 1], &[0, 1, 7]), ClusterError::ItemOutOfRange { item: 7 });
        let one_label = ClusterIndex::from_assignment(vec![0.0; 4], 2, &[0], &[0], vec!["a".into()]);
        assert_eq!(one_label, Err(ClusterError::Labels { labels: 1, clusters: 2 }));
    }
}
