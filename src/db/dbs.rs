//! The numbered databases as one value, [`Dbs`], which remembers which of
//! them were borrowed mutably since the last [`Dbs::take_logs`]. Only a
//! mutable borrow can expire or create a key, so after a command the call
//! path looks at the logs of those databases alone (almost always one)
//! instead of all sixteen.

use std::ops::{Deref, DerefMut, Index, IndexMut};

use super::Db;

/// Every database of the server, indexed by number.
#[derive(Debug, Default)]
pub struct Dbs {
    dbs: Vec<Db>,
    /// Bit `i` (for `i < 63`): database `i` was borrowed mutably since the
    /// last [`Dbs::take_logs`]; bit 63 stands for every database from 63
    /// on.
    touched: u64,
}

/// What the databases logged on their own since the last look: keys
/// removed by expiry and keys created, each with its database.
#[derive(Debug, Default)]
pub struct Logs {
    /// Expired keys, in order.
    pub expired: Vec<(usize, Box<[u8]>)>,
    /// Created keys (only while `new` events are on), in order.
    pub new: Vec<(usize, Box<[u8]>)>,
}

impl Dbs {
    /// `n` empty databases.
    pub fn new(n: usize) -> Dbs {
        Dbs {
            dbs: (0..n).map(|_| Db::new()).collect(),
            touched: 0,
        }
    }

    fn bit(i: usize) -> u64 {
        1 << i.min(63)
    }

    /// Whether any database was borrowed mutably since the last look (the
    /// per-command fast path).
    pub fn touched(&self) -> bool {
        self.touched != 0
    }

    /// Whether a touched database may hold logged keys; forgets the
    /// touch when the only database touched logged none (the usual case
    /// after a command, checked without a loop).
    #[inline]
    pub fn logged(&mut self) -> bool {
        let bits = self.touched;
        if bits == 0 {
            return false;
        }
        if bits.is_power_of_two() && bits != Dbs::bit(63) {
            let d = &self.dbs[bits.trailing_zeros() as usize];
            if d.expired_log.is_empty() && d.new_log.is_empty() {
                self.touched = 0;
                return false;
            }
        }
        true
    }

    /// Suspends expiry in every database until `until` (Unix ms; 0 ends
    /// a suspension): see [`Db::expiry_suspended_until`].
    pub fn suspend_expiry(&mut self, until: i64) {
        for d in &mut self.dbs {
            d.expiry_suspended_until = until;
        }
    }

    /// Until when expiry is suspended (0: it is not).
    pub fn expiry_suspended_until(&self) -> i64 {
        self.dbs.first().map_or(0, |d| d.expiry_suspended_until)
    }

    /// Moves the expired and created keys the touched databases logged
    /// into `logs`, and forgets which were touched.
    pub fn take_logs(&mut self, logs: &mut Logs) {
        let mut bits = std::mem::take(&mut self.touched);
        while bits != 0 {
            let i = bits.trailing_zeros() as usize;
            bits &= bits - 1;
            let to = if i < 63 { i + 1 } else { self.dbs.len() };
            for (n, d) in self.dbs.iter_mut().enumerate().take(to).skip(i) {
                if !d.expired_log.is_empty() {
                    logs.expired.extend(d.expired_log.drain(..).map(|k| (n, k)));
                }
                if !d.new_log.is_empty() {
                    logs.new.extend(d.new_log.drain(..).map(|k| (n, k)));
                }
            }
        }
    }
}

impl Deref for Dbs {
    type Target = [Db];
    fn deref(&self) -> &[Db] {
        &self.dbs
    }
}

/// A mutable borrow of all of them marks all of them.
impl DerefMut for Dbs {
    fn deref_mut(&mut self) -> &mut [Db] {
        self.touched = u64::MAX;
        &mut self.dbs
    }
}

impl Index<usize> for Dbs {
    type Output = Db;
    fn index(&self, i: usize) -> &Db {
        &self.dbs[i]
    }
}

impl IndexMut<usize> for Dbs {
    #[inline]
    fn index_mut(&mut self, i: usize) -> &mut Db {
        self.touched |= Dbs::bit(i);
        &mut self.dbs[i]
    }
}

impl<'a> IntoIterator for &'a mut Dbs {
    type Item = &'a mut Db;
    type IntoIter = std::slice::IterMut<'a, Db>;
    fn into_iter(self) -> Self::IntoIter {
        self.deref_mut().iter_mut()
    }
}

impl<'a> IntoIterator for &'a Dbs {
    type Item = &'a Db;
    type IntoIter = std::slice::Iter<'a, Db>;
    fn into_iter(self) -> Self::IntoIter {
        self.dbs.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::{Str, Value};

    fn expire_one(dbs: &mut Dbs, i: usize, key: &[u8]) {
        let d = &mut dbs[i];
        d.set(key, Value::Str(Str::from_bytes(b"v")), false, 0);
        d.set_expire(key, 1);
        assert!(d.get(key, 2).is_none());
    }

    #[test]
    fn logs_of_touched_databases_are_taken_once() {
        let mut dbs = Dbs::new(70);
        expire_one(&mut dbs, 3, b"a");
        expire_one(&mut dbs, 65, b"b");
        expire_one(&mut dbs, 64, b"c");
        assert!(dbs.touched());
        let mut logs = Logs::default();
        dbs.take_logs(&mut logs);
        let got: Vec<(usize, &[u8])> = logs.expired.iter().map(|(i, k)| (*i, &k[..])).collect();
        assert_eq!(got, vec![(3, &b"a"[..]), (64, &b"c"[..]), (65, &b"b"[..])]);
        assert!(!dbs.touched());
        let mut again = Logs::default();
        dbs.take_logs(&mut again);
        assert!(again.expired.is_empty());
        // A shared borrow marks nothing.
        let _ = dbs[5].len_raw();
        assert!(!dbs.touched());
        // A mutable one does; with nothing logged, the look is cheap and
        // forgets it.
        assert!(dbs[5].get(b"none", 0).is_none());
        assert!(dbs.touched());
        assert!(!dbs.logged());
        assert!(!dbs.touched());
        expire_one(&mut dbs, 5, b"d");
        assert!(dbs.logged());
    }
}
