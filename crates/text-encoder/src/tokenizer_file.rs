//! Checks a `tokenizer.json` before the `tokenizers` crate reads it. That crate trusts its
//! input: a post-processor template naming a token that is not defined, or ids out of the
//! vocabulary, panic inside it (`processors/template.rs`) or later when an id indexes the word
//! table. A bundle's files are checksummed, but a bundle built wrong, or altered and signed
//! again, must still be refused with an error rather than abort the browser's wasm module.

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use crate::error::{EncoderError, Result};

/// Checks the vocabulary (ids unique and below its size, the unknown token defined), the added
/// tokens (ids in range, each consistent with the vocabulary) and the post-processor (every
/// special token of a template defined, with ids in range and matching its tokens).
pub(crate) fn check(file: &str, bytes: &[u8]) -> Result<()> {
    let bad = |message: String| EncoderError::Tokenizer { file: file.to_string(), message };
    let json: Value = serde_json::from_slice(bytes).map_err(|e| bad(format!("not JSON: {e}")))?;
    let model = json.get("model").ok_or_else(|| bad("no \"model\"".into()))?;
    let vocab = model
        .get("vocab")
        .and_then(Value::as_object)
        .ok_or_else(|| bad("model.vocab is not an object".into()))?;
    let mut ids: HashMap<&str, u64> = HashMap::with_capacity(vocab.len());
    let mut seen = HashSet::with_capacity(vocab.len());
    for (token, id) in vocab {
        let id = id.as_u64().ok_or_else(|| bad(format!("model.vocab[{token:?}] is not a token id")))?;
        if !seen.insert(id) {
            return Err(bad(format!("model.vocab gives id {id} to two tokens (one is {token:?})")));
        }
        ids.insert(token, id);
    }
    let added = json.get("added_tokens").and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]);
    let mut size = vocab.len() as u64;
    for token in added {
        let (content, id) =
            (token.get("content").and_then(Value::as_str), token.get("id").and_then(Value::as_u64));
        let (Some(content), Some(id)) = (content, id) else {
            return Err(bad("an added token has no content or no id".into()));
        };
        match ids.get(content) {
            Some(&known) if known != id => {
                return Err(bad(format!("added token {content:?} has id {id}, the vocabulary {known}")));
            }
            Some(_) => {}
            None => {
                if !seen.insert(id) {
                    return Err(bad(format!("added token {content:?} reuses id {id}")));
                }
                ids.insert(content, id);
                size += 1;
            }
        }
    }
    if let Some((token, id)) = ids.iter().find(|(_, id)| **id >= size) {
        return Err(bad(format!("token {token:?} has id {id}, outside the {size} ids of the vocabulary")));
    }
    if let Some(unk) = model.get("unk_token").and_then(Value::as_str)
        && !ids.contains_key(unk)
    {
        return Err(bad(format!("model.unk_token {unk:?} is not in the vocabulary")));
    }
    check_post_processor(json.get("post_processor"), &ids, size).map_err(bad)
}

/// The post-processor's special tokens: a template may only name special tokens its
/// `special_tokens` define, whose ids and tokens agree with the vocabulary; `sep` and `cls`
/// `[token, id]` pairs likewise; a `Sequence`'s processors each so. The `tokenizers` crate reads
/// a post-processor by the fields it has whatever its `type` says (a template whose `type` is
/// not a string is still a template), so each is checked by what it holds.
fn check_post_processor(
    processor: Option<&Value>,
    ids: &HashMap<&str, u64>,
    size: u64,
) -> std::result::Result<(), String> {
    let Some(processor) = processor.filter(|p| !p.is_null()) else { return Ok(()) };
    let known = |token: &str, id: u64, what: &str| match ids.get(token) {
        Some(&expected) if expected == id && id < size => Ok(()),
        Some(&expected) => Err(format!("{what}: {token:?} has id {id}, the vocabulary {expected}")),
        None => Err(format!("{what}: {token:?} is not in the vocabulary")),
    };
    if let Some(processors) = processor.get("processors") {
        let processors = processors.as_array().ok_or("post_processor.processors is not an array")?;
        for inner in processors {
            check_post_processor(Some(inner), ids, size)?;
        }
    }
    let no_specials = serde_json::Map::new();
    let specials = match processor.get("special_tokens") {
        Some(specials) => specials.as_object().ok_or("post_processor.special_tokens is not an object")?,
        None => &no_specials,
    };
    for (name, special) in specials {
        let list = |key: &str| special.get(key).and_then(Value::as_array).cloned().unwrap_or_default();
        let (special_ids, tokens) = (list("ids"), list("tokens"));
        if special_ids.len() != tokens.len() || tokens.is_empty() {
            return Err(format!("post_processor special token {name:?} needs as many ids as tokens"));
        }
        for (id, token) in special_ids.iter().zip(&tokens) {
            let (Some(id), Some(token)) = (id.as_u64(), token.as_str()) else {
                return Err(format!("post_processor special token {name:?} has a malformed id or token"));
            };
            known(token, id, &format!("post_processor special token {name:?}"))?;
        }
    }
    for template in ["single", "pair"] {
        let pieces = processor.get(template).and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]);
        for piece in pieces {
            if let Some(name) = piece.get("SpecialToken").and_then(|s| s.get("id")).and_then(Value::as_str)
                && !specials.contains_key(name)
            {
                return Err(format!(
                    "post_processor.{template} names the special token {name:?}, which special_tokens does not define"
                ));
            }
        }
    }
    for key in ["sep", "cls"] {
        let Some(pair) = processor.get(key) else { continue };
        let parts = pair.as_array().and_then(|p| Some((p.first()?.as_str()?, p.get(1)?.as_u64()?)));
        let (token, id) = parts.ok_or(format!("post_processor.{key} is not a [token, id] pair"))?;
        known(token, id, &format!("post_processor.{key}"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokenizer() -> Value {
        serde_json::json!({
            "added_tokens": [{"id": 0, "content": "[PAD]"}, {"id": 1, "content": "[UNK]"}],
            "model": {"type": "WordPiece", "unk_token": "[UNK]",
                      "vocab": {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, "a": 4}},
            "post_processor": {"type": "TemplateProcessing",
                "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                           {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
                "special_tokens": {"[CLS]": {"id": "[CLS]", "ids": [2], "tokens": ["[CLS]"]},
                                   "[SEP]": {"id": "[SEP]", "ids": [3], "tokens": ["[SEP]"]}}}
        })
    }

    fn error(edit: impl FnOnce(&mut Value)) -> String {
        let mut json = tokenizer();
        edit(&mut json);
        check("tokenizer.json", &serde_json::to_vec(&json).unwrap()).unwrap_err().to_string()
    }

    #[test]
    fn a_consistent_tokenizer_passes() {
        assert!(check("tokenizer.json", &serde_json::to_vec(&tokenizer()).unwrap()).is_ok());
    }

    #[test]
    fn a_template_naming_an_undefined_token_is_refused() {
        let e = error(|j| j["post_processor"]["single"][0]["SpecialToken"]["id"] = "[MASK]".into());
        assert!(e.contains("names the special token \"[MASK]\""), "{e}");
    }

    #[test]
    fn ids_out_of_range_or_disagreeing_are_refused() {
        let e = error(|j| j["model"]["vocab"]["a"] = 99.into());
        assert!(e.contains("outside the 5 ids"), "{e}");
        let e = error(|j| j["post_processor"]["special_tokens"]["[SEP]"]["ids"][0] = 4.into());
        assert!(e.contains("\"[SEP]\" has id 4, the vocabulary 3"), "{e}");
        let e = error(|j| j["model"]["vocab"]["a"] = 2.into());
        assert!(e.contains("gives id 2 to two tokens"), "{e}");
        let e = error(|j| j["model"]["unk_token"] = "[NOPE]".into());
        assert!(e.contains("unk_token \"[NOPE]\""), "{e}");
        let e = error(|j| j["added_tokens"][1]["id"] = 3.into());
        assert!(e.contains("added token \"[UNK]\" has id 3, the vocabulary 1"), "{e}");
        assert!(check("t", b"[]").unwrap_err().to_string().contains("no \"model\""));
    }

    #[test]
    fn a_template_is_checked_whatever_its_type_says_and_inside_a_sequence() {
        let undefined = |j: &mut Value| j["post_processor"]["single"][0]["SpecialToken"]["id"] = "X".into();
        let e = error(|j| {
            undefined(j);
            j["post_processor"]["type"] = Value::Array(Vec::new());
        });
        assert!(e.contains("names the special token \"X\""), "{e}");
        let e = error(|j| {
            undefined(j);
            let template = j["post_processor"].take();
            j["post_processor"] = serde_json::json!({"type": "Sequence", "processors": [template]});
        });
        assert!(e.contains("names the special token \"X\""), "{e}");
        let e = error(|j| {
            j["post_processor"] =
                serde_json::json!({"type": "BertProcessing", "sep": ["[SEP]", 9], "cls": ["[CLS]", 2]})
        });
        assert!(e.contains("post_processor.sep: \"[SEP]\" has id 9, the vocabulary 3"), "{e}");
    }
}
