//! `--keep-versions`: a re-export into a bundle folder publishes a new version and keeps the
//! files of the newest ones, so that tabs opened before the update keep working.

use std::path::Path;

use anyhow::Context;
use gnnrec_bundle::{DEFAULT_KEEP_VERSIONS, Versions};

/// How many versions of a bundle folder a re-export keeps.
#[derive(clap::Args, Debug, Clone)]
pub struct VersionArgs {
    /// Versions of the bundle whose files a re-export into the same folder keeps, the new
    /// one included: a visitor's tab opened before the update (or a host's cached manifest)
    /// still finds its files. Older versions' files are removed.
    #[arg(long, default_value_t = DEFAULT_KEEP_VERSIONS as u16, value_parser = clap::value_parser!(u16).range(1..))]
    pub keep_versions: u16,
}

/// Runs `export`, which writes a bundle into `dir`, as a new version of that folder.
pub fn publish<T>(
    dir: &Path,
    args: &VersionArgs,
    export: impl FnOnce() -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let versions =
        Versions::read(dir).with_context(|| format!("reading the versions of {}", dir.display()))?;
    let written = export()?;
    let published = versions
        .publish(dir, usize::from(args.keep_versions))
        .with_context(|| format!("publishing the new version of {}", dir.display()))?;
    eprintln!(
        "{}: new version published; the files of {} version(s) kept, {} older file(s) removed",
        dir.display(),
        published.kept_versions,
        published.removed_files
    );
    Ok(written)
}
