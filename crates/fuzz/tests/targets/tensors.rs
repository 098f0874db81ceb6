//! The tensor reader on edited tensor files of the frozen bundles (header dtypes, shapes and
//! offsets, and data): every tensor it parses reads back at its own dtype and shape, and the
//! bundle's decoders (v1 content, v2 core) given the edited file re-signed give a typed error
//! or content.

use bolero::check;
use gnnrec_bundle::{CoreContent, ShardedManifest, Tensors, V1Content, core_files, file_names};
use gnnrec_fuzz::{Edit, Tally, fixture};
use safetensors::Dtype;

#[test]
fn tensors() {
    let (v1, v1_files) = V1Content::read_stored(&fixture::dir("v1-sage")).unwrap();
    let v2 = ShardedManifest::parse(&fixture::stored("v2-lightgcn", "manifest.json")).unwrap();
    let core =
        gnnrec_bundle::read_listed(&fixture::dir("v2-lightgcn"), &v2.core, CoreContent::required_files(&v2))
            .unwrap();
    let v1_seed = fixture::content("v1-sage", file_names::TENSORS, &v1.files[file_names::TENSORS]);
    let v2_seed = fixture::content("v2-lightgcn", core_files::TENSORS, &v2.core[core_files::TENSORS]);
    let tally = Tally::new("tensors");
    check!().with_type::<(bool, Edit)>().with_test_time(super::CI_TIME).for_each(|(first, edit)| {
        let edited = edit.apply(if *first { &v1_seed } else { &v2_seed });
        if let Ok(tensors) = Tensors::parse(&edited) {
            for entry in tensors.entries() {
                read_back(&tensors, &entry.name, entry.dtype, &entry.shape);
            }
        }
        if *first {
            let (mut manifest, mut files) = (v1.clone(), v1_files.clone());
            let entry = manifest.files.get_mut(file_names::TENSORS).unwrap();
            files.insert(file_names::TENSORS.into(), fixture::resign(entry, &edited));
            tally.count(V1Content::decode(&manifest, &files).is_ok());
        } else {
            let mut manifest = v2.clone();
            let entry = manifest.core.get_mut(core_files::TENSORS).unwrap();
            let mut files = core.clone();
            files.insert(core_files::TENSORS.into(), fixture::resign(entry, &edited));
            tally.count(CoreContent::decode(&manifest, &files).is_ok());
        }
    });
}

/// Reads tensor `name` at its own dtype and shape, and checks its length.
fn read_back(tensors: &Tensors<'_>, name: &str, dtype: Dtype, shape: &[usize]) {
    let n: usize = shape.iter().product();
    let len = match dtype {
        Dtype::F32 => tensors.f32(name, shape).map(|v| v.len()),
        Dtype::U32 => tensors.u32(name, shape).map(|v| v.len()),
        Dtype::I8 => tensors.i8(name, shape).map(|v| v.len()),
        Dtype::U8 => tensors.u8(name, shape).map(|v| v.len()),
        _ => return,
    };
    if let Ok(len) = len {
        assert_eq!(len, n, "{name}");
    }
}
