//! One metric's daily values, as a dataset holds them.

use serde::{Serialize, Serializer};

/// One metric's values, a slot per day (or hour), each present or missing. A missing
/// slot is stored as NaN, which no value can be: the readers refuse numbers that are not
/// finite, and a value that is not a number is taken as missing. So a day costs 8 bytes
/// instead of the 16 of an `Option<f64>`, and the series are most of what a dataset
/// holds. Reads give `Option<f64>`, as a `Vec<Option<f64>>` would.
#[derive(Clone, Default)]
pub struct Values(Vec<f64>);

impl Values {
    /// No slots yet, with room for `days` slots.
    pub fn with_capacity(days: usize) -> Self {
        Values(Vec::with_capacity(days))
    }

    /// `days` missing slots.
    pub fn missing(days: usize) -> Self {
        Values(vec![f64::NAN; days])
    }

    /// Slot `t`'s value, if present. Panics when `t` is past the end, as indexing does.
    #[inline]
    pub fn at(&self, t: usize) -> Option<f64> {
        let v = self.0[t];
        (!v.is_nan()).then_some(v)
    }

    /// Whether slot `t` has a value.
    #[inline]
    pub fn has(&self, t: usize) -> bool {
        !self.0[t].is_nan()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn push(&mut self, value: Option<f64>) {
        self.0.push(value.unwrap_or(f64::NAN));
    }

    pub fn set(&mut self, t: usize, value: Option<f64>) {
        self.0[t] = value.unwrap_or(f64::NAN);
    }

    /// Every slot, in order.
    pub fn iter(&self) -> Slots<'_> {
        Slots(self.0.iter())
    }

    /// The slots of `range`.
    pub fn slots(&self, range: std::ops::Range<usize>) -> Slots<'_> {
        Slots(self.0[range].iter())
    }

    /// The present values of slots `from..=to`, the indices clipped to the values.
    pub fn present(&self, from: i64, to: i64) -> Vec<f64> {
        self.window(from, to).flatten().collect()
    }

    /// The slots `from..=to`, the indices clipped to the slots (none when nothing is
    /// left).
    pub fn window(&self, from: i64, to: i64) -> Slots<'_> {
        self.slots(clipped_range(self.0.len(), from, to))
    }

    /// The slots as options, for code that needs a slice of them.
    pub fn to_options(&self) -> Vec<Option<f64>> {
        self.iter().collect()
    }
}

/// Indices `from..=to` clipped to `0..len`, as a range (empty when nothing is left).
pub fn clipped_range(len: usize, from: i64, to: i64) -> std::ops::Range<usize> {
    let from = from.max(0) as usize;
    let to = to.min(len as i64 - 1);
    if to < from as i64 {
        return 0..0;
    }
    from..to as usize + 1
}

/// The slots of a [`Values`], as options.
#[derive(Clone)]
pub struct Slots<'a>(std::slice::Iter<'a, f64>);

impl Iterator for Slots<'_> {
    type Item = Option<f64>;

    #[inline]
    fn next(&mut self) -> Option<Option<f64>> {
        self.0.next().map(|v| (!v.is_nan()).then_some(*v))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl DoubleEndedIterator for Slots<'_> {
    fn next_back(&mut self) -> Option<Option<f64>> {
        self.0.next_back().map(|v| (!v.is_nan()).then_some(*v))
    }
}

impl ExactSizeIterator for Slots<'_> {}

impl<'a> IntoIterator for &'a Values {
    type Item = Option<f64>;
    type IntoIter = Slots<'a>;

    fn into_iter(self) -> Slots<'a> {
        self.iter()
    }
}

impl FromIterator<Option<f64>> for Values {
    fn from_iter<I: IntoIterator<Item = Option<f64>>>(iter: I) -> Self {
        Values(iter.into_iter().map(|v| v.unwrap_or(f64::NAN)).collect())
    }
}

impl From<Vec<Option<f64>>> for Values {
    fn from(values: Vec<Option<f64>>) -> Self {
        values.into_iter().collect()
    }
}

impl From<&[Option<f64>]> for Values {
    fn from(values: &[Option<f64>]) -> Self {
        values.iter().copied().collect()
    }
}

/// Equal when the same slots are missing and the others hold equal values.
impl PartialEq for Values {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

impl PartialEq<Vec<Option<f64>>> for Values {
    fn eq(&self, other: &Vec<Option<f64>>) -> bool {
        self.iter().eq(other.iter().copied())
    }
}

impl std::fmt::Debug for Values {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// As a list of numbers and nulls, as a `Vec<Option<f64>>` is.
impl Serialize for Values {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_read_back_what_was_put_in_it_missing_days_included() {
        let days = vec![Some(1.5), None, Some(-0.0), Some(0.0), None, Some(f64::MAX)];
        let values = Values::from(days.clone());
        assert_eq!(values.len(), 6);
        assert_eq!(values.to_options(), days);
        for (t, v) in days.iter().enumerate() {
            assert_eq!(values.at(t).map(f64::to_bits), v.map(f64::to_bits));
            assert_eq!(values.has(t), v.is_some());
        }
        assert_eq!(values.iter().rev().collect::<Vec<_>>()[0], Some(f64::MAX));
        assert_eq!(values.present(-3, 2), vec![1.5, -0.0]);
        assert_eq!(
            values.window(4, 99).collect::<Vec<_>>(),
            vec![None, Some(f64::MAX)]
        );
        assert_eq!(values.window(7, 9).count(), 0);
        assert_eq!(
            values.slots(1..3).collect::<Vec<_>>(),
            vec![None, Some(-0.0)]
        );
        let mut edited = values.clone();
        edited.set(1, Some(2.0));
        edited.push(Some(f64::NAN));
        assert_eq!(edited.at(1), Some(2.0));
        assert_eq!(
            edited.at(6),
            None,
            "a value that is not a number is missing"
        );
        assert_ne!(edited, values);
        assert_eq!(Values::missing(2), vec![None, None]);
        assert_eq!(
            serde_json::to_string(&values).unwrap(),
            serde_json::to_string(&days).unwrap()
        );
    }
}
