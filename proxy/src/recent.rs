//! A map that holds at most a fixed number of entries and, when full, forgets the one used
//! longest ago. Every operation is O(1) amortized, so a flood of new keys (one per forged
//! client, one per organization) can neither grow memory nor make one request scan the map
//! under its lock.

use std::{
    collections::{HashMap, VecDeque},
    hash::Hash,
};

#[derive(Debug)]
pub(crate) struct RecentMap<K, V> {
    capacity: usize,
    /// Each value with the stamp of its last use.
    entries: HashMap<K, (V, u64)>,
    /// Uses in order, oldest first. A use that a later one replaced stays here, stale, until it
    /// reaches the front or a compaction drops it: cheaper than moving entries on every use.
    uses: VecDeque<(K, u64)>,
    next_stamp: u64,
}

impl<K: Hash + Eq + Clone, V> RecentMap<K, V> {
    /// `capacity` is at least 1.
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            entries: HashMap::new(),
            uses: VecDeque::new(),
            next_stamp: 0,
        }
    }

    /// The value for `key`, marked as just used; `insert` makes one when there is none, first
    /// forgetting the least recently used entry if the map is full.
    pub fn get_or_insert_with(&mut self, key: &K, insert: impl FnOnce() -> V) -> &mut V {
        if self.uses.len() >= 2 * self.capacity {
            self.compact();
        }
        if !self.entries.contains_key(key) && self.entries.len() >= self.capacity {
            self.evict_oldest();
        }
        let stamp = self.next_stamp;
        self.next_stamp += 1;
        self.uses.push_back((key.clone(), stamp));
        let entry = self
            .entries
            .entry(key.clone())
            .or_insert_with(|| (insert(), stamp));
        entry.1 = stamp;
        &mut entry.0
    }

    fn is_current(&self, (key, stamp): &(K, u64)) -> bool {
        self.entries.get(key).is_some_and(|(_, last)| last == stamp)
    }

    fn evict_oldest(&mut self) {
        while let Some(used) = self.uses.pop_front() {
            if self.is_current(&used) {
                self.entries.remove(&used.0);
                return;
            }
        }
    }

    /// Drops the stale uses. Runs once per `capacity` uses at most, so it costs O(1) per use.
    fn compact(&mut self) {
        let uses = std::mem::take(&mut self.uses);
        self.uses = uses
            .into_iter()
            .filter(|used| self.is_current(used))
            .collect();
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    #[cfg(test)]
    pub fn contains_key(&self, key: &K) -> bool {
        self.entries.contains_key(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_its_capacity_and_forgets_the_least_recently_used() {
        let mut map = RecentMap::new(3);
        for key in [1, 2, 3] {
            *map.get_or_insert_with(&key, || 0) += key;
        }
        // 1 is used again, so 2 is now the oldest.
        *map.get_or_insert_with(&1, || 0) += 10;
        map.get_or_insert_with(&4, || 4);
        assert_eq!(map.len(), 3);
        assert!(!map.contains_key(&2));
        assert_eq!(
            *map.get_or_insert_with(&1, || 0),
            11,
            "kept, with its value"
        );
        map.get_or_insert_with(&5, || 5);
        assert!(!map.contains_key(&3));
        assert!(map.contains_key(&1) && map.contains_key(&4) && map.contains_key(&5));
    }

    #[test]
    fn many_uses_of_few_keys_keep_the_queue_bounded() {
        let mut map = RecentMap::new(4);
        for round in 0..10_000 {
            map.get_or_insert_with(&(round % 3), || ());
        }
        assert_eq!(map.len(), 3);
        assert!(map.uses.len() <= 2 * map.capacity + 1, "{}", map.uses.len());
    }
}
