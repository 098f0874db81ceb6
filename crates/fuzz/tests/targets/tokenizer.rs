//! The tokenizer check and reader on edited tokenizers (the seed is a small WordPiece
//! tokenizer in MiniLM's form), with a tiny model sized to the vocabulary the edit declares:
//! the encoder either refuses the files with a typed error, or tokenizes any text (empty,
//! huge, any Unicode) into ids within its word table and encodes it.

use bolero::check;
use gnnrec_fuzz::{Edit, Tally, tiny_encoder};
use gnnrec_text_encoder::{CpuEncoder, EncoderFiles, NamedBytes};

#[test]
fn tokenizer() {
    let tally = Tally::new("tokenizer");
    check!().with_type::<(Edit, String, u16)>().with_test_time(super::CI_TIME).for_each(
        |(edit, text, repeat)| {
            let tokenizer = edit.apply(tiny_encoder::TOKENIZER);
            let vocab = tiny_encoder::vocab_size(&tokenizer).unwrap_or(1).max(1);
            let (config, weights) = (tiny_encoder::config(vocab), tiny_encoder::weights(vocab));
            let files = EncoderFiles {
                config: NamedBytes { name: "config.json", bytes: &config },
                weights: NamedBytes { name: "model.safetensors", bytes: &weights },
                tokenizer: NamedBytes { name: "tokenizer.json", bytes: &tokenizer },
            };
            let encoder = CpuEncoder::from_files(&files);
            tally.count(encoder.is_ok());
            let Ok(encoder) = encoder else { return };
            let text: String = std::iter::repeat_n(text.as_str(), usize::from(*repeat % 64) + 1).collect();
            if let Ok(ids) = encoder.token_ids(&text) {
                assert!(ids.iter().all(|&id| (id as usize) < vocab), "{ids:?} of {vocab} ids");
            }
            if let Ok(rows) = encoder.encode(&[&text, ""]) {
                assert_eq!(rows.len(), 2);
            }
        },
    );
}
