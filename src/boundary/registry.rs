//! Handles. Every object handed to C is an `Arc<T>` kept in a typed table; the pointer the caller
//! holds is not an address but `tag | generation | slot`, so a freed, stale, mistyped, made-up or
//! inherited-across-fork handle is detected and answered with `KB_ERR_INVALID_HANDLE` instead of
//! being dereferenced. This is the one place where object ownership is decided: every object is
//! an `Arc`, so a call in progress keeps it alive while another thread frees the handle.
//!
//! A table is typed by the C handle it hands out (`Registry<kb_producer, Session>`), so storing
//! an object in the wrong table, or resolving a handle of one C type in another's, does not
//! compile; a handle mislabelled by C code is refused by its tag at run time.

use std::marker::PhantomData;
use std::sync::Arc;

use parking_lot::Mutex;

use crate::core::error::{KbError, KbResult};
use crate::sys::process::{abandon, fork_epoch};

struct Slot<T> {
    generation: u32,
    value: Option<Arc<T>>,
}

struct Table<T> {
    slots: Vec<Slot<T>>,
    free: Vec<u32>,
    epoch: u64,
}

/// A table of live `T` objects behind handles of the C type `H`.
pub struct Registry<H, T> {
    tag: u8,
    kind: &'static str,
    /// Plain data (configs, messages, lists) stays valid in a forked child; clients do not.
    survives_fork: bool,
    table: Mutex<Table<T>>,
    /// `fn() -> H`: the table hands out `*mut H` but owns no `H` (C's opaque types have no data).
    handle_type: PhantomData<fn() -> H>,
}

const SLOT_BITS: u32 = 32;
const GEN_MASK: u64 = 0x00FF_FFFF;

impl<H, T: Send + Sync + 'static> Registry<H, T> {
    /// A table of objects that own librdkafka clients (threads): abandoned in a forked child.
    pub const fn new(tag: u8, kind: &'static str) -> Self {
        Registry {
            tag,
            kind,
            survives_fork: false,
            table: Mutex::new(Table { slots: Vec::new(), free: Vec::new(), epoch: 0 }),
            handle_type: PhantomData,
        }
    }

    /// A table of plain data objects that remain valid in a forked child.
    pub const fn new_data(tag: u8, kind: &'static str) -> Self {
        Registry {
            tag,
            kind,
            survives_fork: true,
            table: Mutex::new(Table { slots: Vec::new(), free: Vec::new(), epoch: 0 }),
            handle_type: PhantomData,
        }
    }

    fn encode(&self, index: u32, generation: u32) -> usize {
        ((self.tag as u64) << 56 | (generation as u64 & GEN_MASK) << SLOT_BITS | (index as u64 + 1)) as usize
    }

    fn decode(&self, handle: usize) -> Option<(usize, u32)> {
        let h = handle as u64;
        if (h >> 56) as u8 != self.tag || h & 0xFFFF_FFFF == 0 {
            return None;
        }
        Some(((h & 0xFFFF_FFFF) as usize - 1, ((h >> SLOT_BITS) & GEN_MASK) as u32))
    }

    /// Locks the table, first abandoning everything if we are a forked child.
    fn lock(&self) -> parking_lot::MutexGuard<'_, Table<T>> {
        let epoch = fork_epoch();
        let mut t = self.table.lock();
        if t.epoch != epoch && !self.survives_fork {
            for slot in t.slots.iter_mut() {
                if let Some(v) = slot.value.take() {
                    // Dropping would run librdkafka teardown against threads that exist only in
                    // the parent and hang; the parent still owns the real object.
                    abandon(v);
                    slot.generation = slot.generation.wrapping_add(1);
                }
            }
            t.free = (0..t.slots.len() as u32).rev().collect();
            t.epoch = epoch;
        }
        t
    }

    /// Stores a new object and returns its handle.
    pub fn insert(&self, value: Arc<T>) -> *mut H {
        let mut t = self.lock();
        let index = match t.free.pop() {
            Some(i) => i,
            None => {
                t.slots.push(Slot { generation: 1, value: None });
                (t.slots.len() - 1) as u32
            }
        };
        let slot = &mut t.slots[index as usize];
        slot.value = Some(value);
        self.encode(index, slot.generation) as *mut H
    }

    /// Whether a handle of unknown C type carries this table's type tag (it may still be stale).
    pub fn owns(&self, handle: *const std::ffi::c_void) -> bool {
        ((handle as usize as u64) >> 56) as u8 == self.tag
    }

    /// Returns the object behind a handle, or `KB_ERR_INVALID_HANDLE`.
    pub fn get(&self, handle: *const H) -> KbResult<Arc<T>> {
        if handle.is_null() {
            return Err(KbError::null(self.kind));
        }
        let t = self.lock();
        self.decode(handle as usize)
            .and_then(|(i, g)| t.slots.get(i).filter(|s| s.generation & GEN_MASK as u32 == g))
            .and_then(|s| s.value.clone())
            .ok_or_else(|| KbError::invalid_handle(self.kind))
    }

    /// Removes the object behind a handle; the handle becomes invalid at once. NULL is `Ok(None)`.
    pub fn remove(&self, handle: *const H) -> KbResult<Option<Arc<T>>> {
        if handle.is_null() {
            return Ok(None);
        }
        let mut t = self.lock();
        let (i, g) = self.decode(handle as usize).ok_or_else(|| KbError::invalid_handle(self.kind))?;
        let slot = t.slots.get_mut(i).filter(|s| s.generation & GEN_MASK as u32 == g && s.value.is_some());
        let slot = slot.ok_or_else(|| KbError::invalid_handle(self.kind))?;
        let value = slot.value.take();
        slot.generation = slot.generation.wrapping_add(1);
        t.free.push(i as u32);
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    struct Thing;

    #[test]
    fn stale_double_freed_and_mistyped_handles_are_refused() {
        let a: Registry<Thing, u32> = Registry::new(1, "a");
        let b: Registry<Thing, u32> = Registry::new(2, "b");
        let h = a.insert(Arc::new(7));
        assert_eq!(*a.get(h).unwrap(), 7);
        assert!(b.get(h).is_err(), "a handle mislabelled as another type must not resolve");
        assert!(a.owns(h.cast()) && !b.owns(h.cast()));
        assert_eq!(*a.remove(h).unwrap().unwrap(), 7);
        assert!(a.get(h).is_err(), "freed handle must not resolve");
        assert!(a.remove(h).is_err(), "double free must be detected");
        let h2 = a.insert(Arc::new(8));
        assert!(a.get(h).is_err(), "reused slot must not revive an old handle");
        assert_eq!(*a.get(h2).unwrap(), 8);
        assert!(a.get(0x1234 as *const Thing).is_err(), "made-up handle");
        assert!(a.remove(std::ptr::null()).unwrap().is_none());
    }
}
