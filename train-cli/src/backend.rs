//! The compute backends the CLI can run on.

use clap::ValueEnum;

/// A compute backend selectable with `--backend`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BackendChoice {
    /// burn-ndarray on the CPU.
    Cpu,
    /// burn-wgpu on the best available GPU adapter (Vulkan, Metal, DX12).
    #[cfg(feature = "wgpu")]
    Wgpu,
}

/// Initialises the default wgpu device, turning "no adapter" (a panic inside
/// cubecl) into an error.
#[cfg(feature = "wgpu")]
pub fn wgpu_device() -> anyhow::Result<burn::backend::wgpu::WgpuDevice> {
    use burn::backend::wgpu::{WgpuDevice, graphics::AutoGraphicsApi, init_setup};
    let device = WgpuDevice::default();
    let previous_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let setup = std::panic::catch_unwind(|| init_setup::<AutoGraphicsApi>(&device, Default::default()));
    std::panic::set_hook(previous_hook);
    match setup {
        Ok(setup) => {
            eprintln!("wgpu adapter: {} ({:?})", setup.adapter.get_info().name, setup.backend);
            Ok(device)
        }
        Err(panic) => {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            anyhow::bail!(
                "no usable wgpu adapter ({message}); install a GPU driver or Mesa's lavapipe \
                 (Debian: mesa-vulkan-drivers), or use --backend cpu"
            )
        }
    }
}
