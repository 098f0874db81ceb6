//! The widget's files beside the bundle: copied from the built npm package, so that one
//! folder is all a static host serves. And the snippet a site owner pastes.

use std::path::{Path, PathBuf};

/// The folder inside the output that holds the widget's files.
pub const FOLDER: &str = "gnnrec";
/// Files the widget cannot start without.
const REQUIRED: [&str; 4] =
    ["recommender-element.js", "recommender-worker.js", "gnnrec_wasm.js", "gnnrec_wasm_bg.wasm"];

/// The package folder, checked: a missing or unbuilt package is an error that says how to
/// build it.
pub fn check_package(dir: &Path) -> anyhow::Result<PathBuf> {
    let missing: Vec<&str> = REQUIRED.iter().copied().filter(|f| !dir.join(f).is_file()).collect();
    anyhow::ensure!(
        missing.is_empty(),
        "{} is not a built gnnrec widget package ({} missing): build it with `node scripts/build-wasm.mjs` \
         (see the README), or pass --package with the folder of an installed package (node_modules/gnnrec)",
        dir.display(),
        missing.join(", ")
    );
    Ok(dir.to_path_buf())
}

/// Whether the package holds the optional WebGPU encoder module (a package built with
/// `--cpu-only` does not; the widget then encodes queries on the CPU).
pub fn has_webgpu_module(package: &Path) -> bool {
    package.join("gnnrec_webgpu_bg.wasm").is_file()
}

/// Whether a package file is needed at run time (scripts, wasm, their precompressed copies
/// and the modules they import), rather than for development (types, docs).
fn shipped(name: &str) -> bool {
    let bare = name.trim_end_matches(".br").trim_end_matches(".gz");
    bare.ends_with(".js") && !bare.ends_with(".d.ts") || bare.ends_with(".wasm")
}

/// Copies the package's run-time files (and its `snippets/` modules) into `out`, replacing
/// what an earlier run left; returns how many files were copied.
pub fn copy(package: &Path, out: &Path) -> anyhow::Result<usize> {
    if out.exists() {
        std::fs::remove_dir_all(out).map_err(|e| anyhow::anyhow!("{}: {e}", out.display()))?;
    }
    copy_tree(package, out, false)
}

/// Copies the shipped files of `from` into `to`; sub-folders only inside `snippets/` (the
/// modules the wasm bindings import), or `snippets/` itself.
fn copy_tree(from: &Path, to: &Path, in_snippets: bool) -> anyhow::Result<usize> {
    std::fs::create_dir_all(to).map_err(|e| anyhow::anyhow!("{}: {e}", to.display()))?;
    let mut copied = 0;
    let mut entries: Vec<_> = std::fs::read_dir(from)
        .map_err(|e| anyhow::anyhow!("{}: {e}", from.display()))?
        .collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        let (source, target) = (entry.path(), to.join(&name));
        if entry.file_type()?.is_dir() {
            if in_snippets || name == "snippets" {
                copied += copy_tree(&source, &target, true)?;
            }
        } else if shipped(&name) {
            std::fs::copy(&source, &target)
                .map_err(|e| anyhow::anyhow!("{} → {}: {e}", source.display(), target.display()))?;
            copied += 1;
        }
    }
    Ok(copied)
}

/// Prints where things went and the snippet to paste.
pub fn print_snippet(base: &str, out: &Path, items: usize, model: &str, seconds: f64) {
    let base = base.trim_end_matches('/');
    println!(
        "{} is ready: {items} items, model {model}, {seconds:.1} s.\n\
         Copy the folder to your site so that it is served at {base}/ and paste where the widget goes:\n\n  \
         <script type=\"module\" src=\"{base}/{FOLDER}/recommender-element.js\"></script>\n  \
         <gnn-recommender bundle=\"{base}/bundle/\"></gnn-recommender>\n\n\
         On an item's own page, items like it (ITEM-ID as in your items file):\n\n  \
         <gnn-recommender bundle=\"{base}/bundle/\" related-to=\"ITEM-ID\" layout=\"related\"></gnn-recommender>\n\n\
         To work offline after one visit, copy {FOLDER}/gnnrec-sw.js to your site's root and add \
         offline=\"/gnnrec-sw.js\" to the element (a service worker covers only pages under its \
         own folder).\n\n\
         Any static host works (no special headers); docs/guide.md has styling, events, texts and hosting.",
        out.display()
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_run_time_files_are_shipped() {
        for name in
            ["recommender-element.js", "gnnrec_wasm_bg.wasm", "gnnrec_wasm_bg.wasm.br", "strings.js.gz"]
        {
            assert!(shipped(name), "{name}");
        }
        for name in ["recommender-element.d.ts", "README.md", "package.json", "gnnrec-0.1.0.tgz"] {
            assert!(!shipped(name), "{name}");
        }
    }

    #[test]
    fn a_package_without_its_wasm_says_how_to_build_it() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("recommender-element.js"), "").unwrap();
        let error = check_package(dir.path()).unwrap_err().to_string();
        assert!(
            error.contains("gnnrec_wasm_bg.wasm") && error.contains("node scripts/build-wasm.mjs"),
            "{error}"
        );
    }
}
