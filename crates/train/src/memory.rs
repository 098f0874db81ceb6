//! Peak memory of this process.

/// Peak resident set size in bytes (`VmHWM` from `/proc/self/status`), if the
/// platform exposes it.
pub fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

#[cfg(test)]
mod tests {
    #[test]
    #[cfg(target_os = "linux")]
    fn linux_reports_a_plausible_peak() {
        let peak = super::peak_rss_bytes().expect("linux has VmHWM");
        assert!(peak > 1 << 20 && peak < 1 << 40, "{peak}");
    }
}
