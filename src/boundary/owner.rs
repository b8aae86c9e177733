//! Owned data plus the `#[repr(C)]` views C reads from it: a message and its `kb_message_view`,
//! a metadata snapshot and its arrays of broker, topic and partition structs.

/// `data` and the views into it, kept together for as long as a handle lives, and never mutated
/// after they are built. The views hold raw pointers, which Rust does not let cross threads; this
/// type is where the crate asserts, once, that doing so is sound.
pub struct WithViews<D, V> {
    data: D,
    views: V,
}

// SAFETY: `views` holds pointers only into the heap allocations of `data` (strings, vectors,
// boxes: their addresses do not change when `WithViews` moves) or into its own heap data, as
// `new` requires. Neither is mutated after construction, and nothing is reachable through the
// views that is not owned here, so sharing or sending the pair is as safe as sharing or sending
// `data`. The pointers are only ever read by C, through the handle that keeps the pair alive.
unsafe impl<D: Send, V> Send for WithViews<D, V> {}
// SAFETY: as for `Send`; both halves are immutable once built.
unsafe impl<D: Sync, V> Sync for WithViews<D, V> {}

impl<D, V> WithViews<D, V> {
    /// Builds the views of `data`. `make` must only take pointers into `data`'s heap allocations
    /// (`CString::as_ptr`, `Vec::as_ptr`, never the address of `data` itself or of a stack value)
    /// or into the heap data of the views it returns.
    pub fn new(data: D, make: impl FnOnce(&D) -> V) -> Self {
        let views = make(&data);
        WithViews { data, views }
    }

    pub fn data(&self) -> &D {
        &self.data
    }

    pub fn views(&self) -> &V {
        &self.views
    }
}
