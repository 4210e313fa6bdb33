//! How the `pyroxene` tools report a failure: one line, `error: ` then the error and each of
//! its causes once, joined by `: ` ("error: cannot bind localhost:9090: address already in
//! use"). Never a backtrace: these are user mistakes (a busy port, a bad path or variable), and
//! Python's launchers print one line for them too (the last line of their traceback).

use std::error::Error;

/// The error and its causes on one line, each cause once: a cause whose text the line already
/// ends with (a wrapper that repeats its source) is left out. OS errors read as the system's
/// message, in lower case and without the `(os error N)` suffix.
pub(crate) fn one_line(error: &(dyn Error + 'static)) -> String {
    let mut line = String::new();
    let mut next = Some(error);
    while let Some(e) = next {
        let text = text_of(e);
        if !text.is_empty() && !line.ends_with(&text) {
            if !line.is_empty() {
                line.push_str(": ");
            }
            line.push_str(&text);
        }
        next = e.source();
    }
    line
}

/// [`one_line`] of an `anyhow` error (its context messages come first).
pub(crate) fn anyhow_line(error: &anyhow::Error) -> String {
    one_line(error.as_ref())
}

fn text_of(e: &(dyn Error + 'static)) -> String {
    let text = e.to_string();
    let Some(code) = e
        .downcast_ref::<std::io::Error>()
        .and_then(std::io::Error::raw_os_error)
    else {
        return text;
    };
    let message = text
        .strip_suffix(&format!(" (os error {code})"))
        .unwrap_or(&text);
    // "Address already in use" -> "address already in use"; "EOF..." stays as it is.
    let mut chars = message.chars();
    match (chars.next(), chars.next()) {
        (Some(first), Some(second)) if first.is_uppercase() && second.is_lowercase() => first
            .to_lowercase()
            .chain(message.chars().skip(1))
            .collect(),
        _ => message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Layer {
        text: &'static str,
        source: Option<Box<dyn Error + Send + Sync>>,
    }

    impl std::fmt::Display for Layer {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.text)
        }
    }

    impl Error for Layer {
        fn source(&self) -> Option<&(dyn Error + 'static)> {
            self.source.as_deref().map(|e| e as &(dyn Error + 'static))
        }
    }

    #[test]
    fn each_cause_once_and_os_errors_in_lower_case() {
        let io = std::io::Error::from_raw_os_error(98);
        let bind = Layer {
            text: "cannot bind localhost:9090",
            source: Some(Box::new(io)),
        };
        assert_eq!(
            one_line(&bind),
            "cannot bind localhost:9090: address already in use"
        );
        let repeated = Layer {
            text: "no luck",
            source: Some(Box::new(Layer {
                text: "no luck",
                source: None,
            })),
        };
        assert_eq!(one_line(&repeated), "no luck");
    }
}
