//! Deserialising the `&'static str` fields of the report (signal names, their meanings,
//! panel titles and units): each distinct text is kept once for the life of the program,
//! so that a report that crossed from the engine's worker to the page reads the same as
//! one made in place. The texts come from small fixed sets, so what is kept is bounded.

use serde::{Deserialize, Deserializer};
use std::collections::HashSet;
use std::sync::{Mutex, OnceLock};

/// A kept text. (An alias, so that serde's derive does not try to borrow it from the
/// input: the functions below give it its `'static` copy.)
pub type Text = &'static str;

/// The one `'static` copy of `text`.
pub fn intern(text: String) -> &'static str {
    static TEXTS: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let mut texts = TEXTS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(kept) = texts.get(text.as_str()) {
        return kept;
    }
    let kept: &'static str = Box::leak(text.into_boxed_str());
    texts.insert(kept);
    kept
}

/// `#[serde(deserialize_with = "crate::interned::text")]`
pub fn text<'de, D: Deserializer<'de>>(d: D) -> Result<&'static str, D::Error> {
    String::deserialize(d).map(intern)
}

/// `#[serde(deserialize_with = "crate::interned::named_series")]`: an optional pair of a
/// name and a series.
#[allow(clippy::type_complexity)]
pub fn named_series<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<(&'static str, Vec<Option<f64>>)>, D::Error> {
    Ok(Option::<(String, Vec<Option<f64>>)>::deserialize(d)?.map(|(name, s)| (intern(name), s)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_text_is_kept_once() {
        let a = intern("p95 latency".to_string());
        let b = intern("p95 latency".to_string());
        assert!(std::ptr::eq(a, b));
        assert_eq!(a, "p95 latency");
        assert_ne!(intern("crash rate".to_string()), a);
    }
}
