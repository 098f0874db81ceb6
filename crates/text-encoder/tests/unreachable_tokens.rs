//! The word-table rows the quantizer writes as zeros belong to tokens no text produces:
//! checked with the real tokenizer on the demo catalogue, the fixture, every vocabulary
//! entry's own spelling and random strings of the vocabulary's characters.

mod common;

use std::collections::HashSet;

use common::{model_dir, model_file, reference, workspace_root};
use gnnrec_text_encoder::quantize::unreachable_token_ids;
use gnnrec_text_encoder::{CpuEncoder, WeightFormat, file_names};
use serde_json::Value;

fn vocabulary() -> Vec<(String, u32)> {
    let json: Value = serde_json::from_slice(&model_file(file_names::TOKENIZER)).unwrap();
    json["model"]["vocab"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_u64().unwrap() as u32))
        .collect()
}

fn unreachable() -> HashSet<u32> {
    unreachable_token_ids("tokenizer.json", &model_file(file_names::TOKENIZER)).unwrap().into_iter().collect()
}

/// Asserts that no text of `texts` tokenizes to an unreachable id.
fn assert_reachable_only(
    encoder: &CpuEncoder,
    unreachable: &HashSet<u32>,
    texts: impl IntoIterator<Item = String>,
) -> usize {
    let mut count = 0;
    for text in texts {
        let ids = encoder.token_ids(&text).unwrap();
        let bad: Vec<u32> = ids.into_iter().filter(|id| unreachable.contains(id)).collect();
        assert!(bad.is_empty(), "{text:?} produced ids {bad:?}, listed as unreachable");
        count += 1;
    }
    count
}

#[test]
fn the_list_is_the_unused_slots_and_continuations_of_lone_characters() {
    let ids = unreachable();
    let vocab: std::collections::HashMap<String, u32> = vocabulary().into_iter().collect();
    for listed in ["[unused0]", "[unused993]", "##!", "##,", "##中"] {
        assert!(ids.contains(&vocab[listed]), "{listed} should be unreachable");
    }
    for kept in ["[CLS]", "[SEP]", "[PAD]", "[UNK]", "[MASK]", "the", "##s", "!", ",", "中", "##ing"] {
        assert!(!ids.contains(&vocab[kept]), "{kept} is reachable");
    }
    assert_eq!(ids.len(), 1331, "994 [unused] slots, 336 ## continuations of lone characters, 1 other");
}

#[test]
fn no_text_produces_an_unreachable_id() {
    let unreachable = unreachable();
    let encoder = CpuEncoder::load_dir(&model_dir(), WeightFormat::Int8).unwrap();
    let mut texts: Vec<String> = reference().into_iter().map(|item| item.text).collect();
    for file in ["movies.csv", "tags.csv"] {
        let path = workspace_root().join("data/movielens-small").join(file);
        texts.extend(std::fs::read_to_string(&path).unwrap().lines().map(String::from));
    }
    let vocab = vocabulary();
    // Every entry spelled out, alone, after a letter and inside a sentence.
    for (token, _) in &vocab {
        let piece = token.strip_prefix("##").unwrap_or(token);
        texts.push(token.clone());
        texts.push(format!("a{piece} b{token}c"));
    }
    // Random strings over the vocabulary's characters (deterministic LCG).
    let chars: Vec<char> =
        vocab.iter().flat_map(|(t, _)| t.chars()).collect::<HashSet<_>>().into_iter().collect();
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = |n: usize| {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) as usize % n
    };
    for _ in 0..20_000 {
        let len = 1 + next(24);
        texts.push((0..len).map(|_| if next(5) == 0 { ' ' } else { chars[next(chars.len())] }).collect());
    }
    let checked = assert_reachable_only(&encoder, &unreachable, texts);
    assert!(checked > 90_000, "{checked} texts");
}
