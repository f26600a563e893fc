//! Stable sorts that share one compiled sort.
//!
//! The standard library's `sort_by` and `sort_by_key` are compiled again for every
//! comparator, since each closure is a type of its own, and for every element type:
//! about 4 KB of wasm each (its merges, quicksort and small sorts), and the engine's
//! worker had 27 of them. These sort the positions `0..n` with the comparator behind a
//! `&mut dyn FnMut`, one compiled sort for all callers, then move the elements into that
//! order (a few dozen bytes per element type). A comparison costs an indirect call and
//! the sort a vector of positions, which matters only in loops over every feature-day,
//! where none of these sorts is (the float sorts of `analysis::stats` pass
//! `f64::total_cmp`, one type, so one copy already). The order is exactly the standard
//! library's: the same stable sort, of the positions.

use std::cmp::Ordering;

/// `v.sort_by(compare)`: stable.
pub fn sort_by<T>(v: &mut [T], mut compare: impl FnMut(&T, &T) -> Ordering) {
    sort_dyn(v, &mut compare);
}

/// `v.sort_by_key(key)`: stable, the key computed at each comparison.
pub fn sort_by_key<T, K: Ord>(v: &mut [T], mut key: impl FnMut(&T) -> K) {
    sort_dyn(v, &mut |a, b| key(a).cmp(&key(b)));
}

fn sort_dyn<T>(v: &mut [T], compare: &mut dyn FnMut(&T, &T) -> Ordering) {
    if v.len() < 2 {
        return;
    }
    let mut order: Vec<usize> = (0..v.len()).collect();
    sort_positions(&mut order, &mut |&a, &b| compare(&v[a], &v[b]));
    permute(v, &mut order);
}

fn sort_positions(order: &mut [usize], compare: &mut dyn FnMut(&usize, &usize) -> Ordering) {
    order.sort_by(|a, b| compare(a, b));
}

/// Puts `v[order[i]]` at `i`, following each cycle of the permutation with swaps;
/// `order` is left as `0..n`.
fn permute<T>(v: &mut [T], order: &mut [usize]) {
    for start in 0..v.len() {
        let mut i = start;
        while order[i] != start {
            let from = order[i];
            v.swap(i, from);
            order[i] = i;
            i = from;
        }
        order[i] = i;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    // The standard library's sort_by is the reference here, not a style to change.
    #[allow(clippy::unnecessary_sort_by)]
    fn sorts_as_the_standard_library_does() {
        // Equal keys keep their order (the second field says where each came from).
        let values: Vec<(u8, usize)> = (0..200).map(|i| ((i * 37 % 11) as u8, i)).collect();
        let mut ours = values.clone();
        sort_by(&mut ours, |a, b| b.0.cmp(&a.0));
        let mut theirs = values.clone();
        theirs.sort_by(|a, b| b.0.cmp(&a.0));
        assert_eq!(ours, theirs);
        let mut ours = values.clone();
        sort_by_key(&mut ours, |v| v.0);
        let mut theirs = values;
        theirs.sort_by_key(|v| v.0);
        assert_eq!(ours, theirs);
    }

    #[test]
    fn permutes_every_cycle() {
        // Positions in cycles of one, two and three, and a long one.
        for n in [0usize, 1, 2, 3, 7, 64] {
            let mut order: Vec<usize> = (0..n).map(|i| (i * 5 + 3) % n.max(1)).collect();
            if n == 7 {
                order = vec![0, 2, 1, 4, 5, 3, 6];
            }
            let values: Vec<String> = (0..n).map(|i| format!("v{i}")).collect();
            let mut permuted = values.clone();
            let mut positions = order.clone();
            permute(&mut permuted, &mut positions);
            let expected: Vec<String> = order.iter().map(|&i| values[i].clone()).collect();
            assert_eq!(permuted, expected, "n {n}");
        }
    }
}
