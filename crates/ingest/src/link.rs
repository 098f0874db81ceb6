//! Item links: what a catalogue's `url` column may hold. A link is kept when a browser
//! would open it as a web page: an `http:`/`https:` URL or a relative one (`/films/1`,
//! `films/1.html`, `?id=1`). Anything else (`javascript:`, `data:`, `mailto:`, …) is
//! refused, also when disguised the way browsers tolerate (leading spaces or control
//! characters, tabs or newlines inside the scheme, upper case).

/// Why a link was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkProblem {
    /// The URL has a scheme other than `http` or `https`.
    Scheme(String),
    /// The URL holds characters no link may hold (control characters, spaces inside).
    Characters,
}

impl std::fmt::Display for LinkProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LinkProblem::Scheme(scheme) => write!(f, "scheme {scheme}: is not http(s) or relative"),
            LinkProblem::Characters => f.write_str("it holds control characters or spaces"),
        }
    }
}

/// The link of `raw` (trimmed), `None` when it is empty, or why it cannot be one.
pub fn checked_link(raw: &str) -> Result<Option<String>, LinkProblem> {
    // Browsers strip leading and trailing C0 controls and spaces, and remove tabs and
    // newlines anywhere before parsing: judge the URL as they will read it.
    let url = raw.trim_matches(|c: char| c <= ' ');
    if url.is_empty() {
        return Ok(None);
    }
    let read: String = url.chars().filter(|c| !matches!(c, '\t' | '\n' | '\r')).collect();
    if read.chars().any(|c| c.is_control() || c == ' ') {
        return Err(LinkProblem::Characters);
    }
    match scheme(&read) {
        Some(scheme) if scheme == "http" || scheme == "https" => Ok(Some(url.to_owned())),
        Some(scheme) => Err(LinkProblem::Scheme(scheme)),
        None => Ok(Some(url.to_owned())),
    }
}

/// The lower-cased scheme of a URL (`ALPHA *(ALPHA / DIGIT / "+" / "-" / ".")` before the
/// first `:`, with no `/`, `?` or `#` before it), if it has one.
fn scheme(url: &str) -> Option<String> {
    let colon = url.find(':')?;
    let candidate = &url[..colon];
    let mut chars = candidate.chars();
    let first_is_letter = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    let rest_valid = chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    (first_is_letter && rest_valid).then(|| candidate.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn web_and_relative_links_are_kept() {
        for url in [
            "https://www.imdb.com/title/tt0114709/",
            "HTTP://example.org/a?b=c#d",
            "/films/1",
            "films/1.html",
            "../films/1",
            "?id=1",
            "#item-1",
            "//cdn.example.org/x",
            "films/a:b",
        ] {
            assert_eq!(checked_link(url), Ok(Some(url.to_owned())), "{url}");
        }
        assert_eq!(checked_link("  https://a.org/  "), Ok(Some("https://a.org/".into())));
        assert_eq!(checked_link("   "), Ok(None));
    }

    #[test]
    fn other_schemes_and_disguises_are_refused() {
        for (url, scheme) in [
            ("javascript:alert(1)", "javascript"),
            ("JavaScript:alert(1)", "javascript"),
            ("  javascript:alert(1)", "javascript"),
            ("\u{1}javascript:alert(1)", "javascript"),
            ("java\tscript:alert(1)", "javascript"),
            ("jav\nascript:alert(1)", "javascript"),
            ("data:text/html,<b>x</b>", "data"),
            ("vbscript:msgbox", "vbscript"),
            ("mailto:a@b.org", "mailto"),
            ("ftp://a.org/f", "ftp"),
        ] {
            assert_eq!(checked_link(url), Err(LinkProblem::Scheme(scheme.into())), "{url:?}");
        }
        assert_eq!(checked_link("https://a.org/a b"), Err(LinkProblem::Characters));
        assert_eq!(checked_link("https://a.org/\u{7}x"), Err(LinkProblem::Characters));
    }
}
