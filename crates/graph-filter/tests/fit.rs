//! Fitting the graph filter on a small split with a learnable structure, and every way
//! the input or the settings can be wrong.

use gnnrec_graph_filter::{GraphFilterConfig, GraphFilterError, SearchSpace, fit};

/// 90 users in 3 taste groups of 20 items each (items 60..80 are never touched; item 80
/// is liked by one extra user only); per user 10 train, 4 valid items. User 90 has no
/// training item at all.
fn split() -> (Vec<Vec<u32>>, Vec<Vec<u32>>, usize) {
    let (mut train, mut valid) = (Vec::new(), Vec::new());
    for user in 0..90u32 {
        let group = user % 3;
        let items: Vec<u32> = (0..20).map(|k| group * 20 + (k + user * 7) % 20).collect();
        train.push(items[..10].to_vec());
        valid.push(items[10..14].to_vec());
    }
    train.push(Vec::new());
    valid.push(vec![3]);
    train[0].push(80);
    (train, valid, 81)
}

fn small() -> GraphFilterConfig {
    GraphFilterConfig { rank: Some(8), validation_users: 50, ..GraphFilterConfig::default() }
}

#[test]
fn learns_the_taste_groups_and_folds_in_exactly() {
    let (train, valid, n_items) = split();
    let fitted = fit(&train, &valid, n_items, &small()).unwrap();
    assert_eq!(fitted.items.dim(), (n_items, fitted.settings.rank));
    assert_eq!(fitted.users.nrows(), train.len());
    assert!(fitted.report.chosen.valid_ndcg > 0.5, "{:?}", fitted.report.chosen);
    // A user vector is the degree-weighted history sum of item vectors.
    let e = fitted.settings.fold_in_exponent();
    let mut degree = vec![0f32; n_items];
    train.iter().flatten().for_each(|&i| degree[i as usize] += 1.0);
    let user = 4;
    for k in 0..fitted.items.ncols() {
        let sum: f32 =
            train[user].iter().map(|&i| degree[i as usize].powf(e) * fitted.items[[i as usize, k]]).sum();
        assert!((sum - fitted.users[[user, k]]).abs() < 1e-4);
    }
    // Documented fallbacks: a user without training items gets the zero vector, and so do
    // items nobody trained on.
    assert!(fitted.users.row(90).iter().all(|&v| v == 0.0));
    assert!((60..80).all(|i| fitted.items.row(i).iter().all(|&v| v == 0.0)));
    // Items of a user's own group score highest.
    let scores: Vec<f32> = (0..n_items).map(|i| fitted.items.row(i).dot(&fitted.users.row(user))).collect();
    let own: f32 = (20..40).map(|i| scores[i]).sum::<f32>() / 20.0;
    let other: f32 = (0..20).chain(40..60).map(|i| scores[i]).sum::<f32>() / 40.0;
    assert!(own > other, "own group {own} vs others {other}");
}

#[test]
fn empty_and_out_of_range_inputs_are_refused() {
    let empty = vec![Vec::new(); 5];
    let err = fit(&empty, &empty, 10, &small()).err().unwrap();
    assert!(matches!(err, GraphFilterError::EmptyInteractions), "{err}");
    let err = fit(&[vec![1, 12]], &[vec![2]], 10, &small()).err().unwrap();
    assert!(matches!(err, GraphFilterError::ItemOutOfRange { user: 0, item: 12, n_items: 10 }), "{err}");
    let no_valid = vec![Vec::new(); 2];
    let rank_one = GraphFilterConfig { rank: Some(1), ..small() };
    let err = fit(&[vec![1], vec![2]], &no_valid, 10, &rank_one).err().unwrap();
    assert!(matches!(err, GraphFilterError::NoValidationUsers), "{err}");
}

#[test]
fn a_rank_larger_than_the_matrix_is_refused_and_the_default_shrinks() {
    let (train, valid, n_items) = split();
    // 61 items have interactions, 90 users: rank at most 61.
    let config = GraphFilterConfig { rank: Some(62), ..small() };
    let err = fit(&train, &valid, n_items, &config).err().unwrap();
    assert!(matches!(err, GraphFilterError::RankTooLarge { rank: 62, max: 61 }), "{err}");
    assert!(err.to_string().contains("ask for 61 or less"));
    let config = GraphFilterConfig { rank: None, validation_users: 30, ..GraphFilterConfig::default() };
    let fitted = fit(&train, &valid, n_items, &config).unwrap();
    assert!(fitted.report.rank == 61, "default rank {}", fitted.report.rank);
}

#[test]
fn settings_that_would_give_nan_are_refused_by_name() {
    let (train, valid, n_items) = split();
    let with = |search: SearchSpace| GraphFilterConfig { search, ..small() };
    let cases = [
        (with(SearchSpace { strengths: vec![0.0], ..SearchSpace::default() }), "strengths"),
        (with(SearchSpace { strengths: vec![f32::NAN], ..SearchSpace::default() }), "strengths"),
        (with(SearchSpace { sharpness: vec![-1.0], ..SearchSpace::default() }), "sharpness"),
        (with(SearchSpace { rank_fractions: vec![1.5], ..SearchSpace::default() }), "rank_fractions"),
        (
            with(SearchSpace { normalisations: vec![(f32::INFINITY, 0.0)], ..SearchSpace::default() }),
            "normalisations",
        ),
        (with(SearchSpace { output_offsets: vec![], ..SearchSpace::default() }), "output_offsets"),
        (GraphFilterConfig { rank: Some(0), ..small() }, "rank"),
        (GraphFilterConfig { probe_rank: 0, ..small() }, "probe_rank"),
        (GraphFilterConfig { validation_users: 0, ..small() }, "validation_users"),
    ];
    for (config, field) in cases {
        let err = fit(&train, &valid, n_items, &config).err().unwrap();
        assert!(
            matches!(err, GraphFilterError::InvalidSetting { name, .. } if name == field),
            "{field}: {err}"
        );
    }
}

#[test]
fn normalisations_are_compared_at_the_probe_rank_and_the_winner_refitted_at_full_rank() {
    let (train, valid, n_items) = split();
    let config = GraphFilterConfig { probe_rank: 4, ..small() };
    let fitted = fit(&train, &valid, n_items, &config).unwrap();
    let normalisations = config.search.normalisations.len();
    assert_eq!((fitted.report.probe_rank, fitted.report.rank), (4, 8));
    assert_eq!(
        fitted.report.svd_seconds.len(),
        normalisations + 1,
        "one SVD per normalisation, one at full rank"
    );
    // The full-rank pass tried ranks above the probe rank.
    assert!(fitted.report.candidates.iter().any(|c| c.settings.rank > 4));
    assert!(fitted.report.chosen.valid_ndcg > 0.5, "{:?}", fitted.report.chosen);
    // With the probe at the full rank there is no extra SVD.
    let fitted = fit(&train, &valid, n_items, &small()).unwrap();
    assert_eq!(fitted.report.svd_seconds.len(), normalisations);
}
