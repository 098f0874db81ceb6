//! The cluster index over the items' GNN embeddings.

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
    ) -> Result<Self, String> {
        let k = centroids.len() / dim.max(1);
        if labels.len() != k {
            return Err(format!("{} labels for {k} clusters", labels.len()));
        }
        let mut members = vec![Vec::new(); k];
        let mut seen = vec![false; assignment.len()];
        for &item in order {
            let cluster = *assignment.get(item as usize).ok_or(format!("item {item} out of range"))?;
            if std::mem::replace(&mut seen[item as usize], true) {
                return Err(format!("item {item} is listed twice"));
            }
            members
                .get_mut(cluster as usize)
                .ok_or(format!("item {item} in cluster {cluster} of {k}"))?
                .push(item);
        }
        if let Some(missing) = seen.iter().position(|s| !s) {
            return Err(format!("item {missing} is in no cluster"));
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
        assert!(bad(&[1, 0, 2], &[0, 1, 2]).contains("cluster 2 of 2"));
        assert!(bad(&[1, 0, 1], &[0, 0, 1]).contains("twice"));
        assert!(bad(&[1, 0, 1], &[0, 1]).contains("item 2 is in no cluster"));
        assert!(bad(&[1, 0, 1], &[0, 1, 7]).contains("out of range"));
    }
}
