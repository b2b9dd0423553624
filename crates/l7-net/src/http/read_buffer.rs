//! [`ReadBuffer`]: a connection's read buffer, taken from a small pool
//! kept per worker thread and given back when the connection ends, so a
//! server that accepts thousands of short connections a second neither
//! allocates nor zeroes 16 KiB for each (reads go into the spare capacity,
//! which is never initialised by hand).

use std::cell::RefCell;
use std::ops::{Deref, DerefMut};

/// Bytes one read may bring.
const CAPACITY: usize = 16 * 1024;

/// Buffers kept per thread for later connections (at most 1 MiB).
const POOLED: usize = 64;

thread_local! {
    static POOL: RefCell<Vec<Vec<u8>>> = const { RefCell::new(Vec::new()) };
}

/// An empty buffer with room for one read of [`CAPACITY`] bytes (use
/// `read_buf`); back to the pool when dropped.
pub(super) struct ReadBuffer(Vec<u8>);

impl ReadBuffer {
    /// A buffer from this thread's pool, or a new one.
    pub(super) fn take() -> ReadBuffer {
        let pooled = POOL.with_borrow_mut(Vec::pop);
        ReadBuffer(pooled.unwrap_or_else(|| Vec::with_capacity(CAPACITY)))
    }
}

impl Deref for ReadBuffer {
    type Target = Vec<u8>;
    fn deref(&self) -> &Vec<u8> {
        &self.0
    }
}

impl DerefMut for ReadBuffer {
    fn deref_mut(&mut self) -> &mut Vec<u8> {
        &mut self.0
    }
}

impl Drop for ReadBuffer {
    fn drop(&mut self) {
        let mut buf = std::mem::take(&mut self.0);
        // A buffer that grew (or lost its room) is not worth keeping.
        if buf.capacity() != CAPACITY {
            return;
        }
        buf.clear();
        POOL.with_borrow_mut(|pool| {
            if pool.len() < POOLED {
                pool.push(buf);
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_come_back_empty_and_the_pool_is_bounded() {
        let mut a = ReadBuffer::take();
        a.extend_from_slice(b"GET / HTTP/1.1\r\n");
        let ptr = a.as_ptr();
        drop(a);
        let b = ReadBuffer::take();
        assert!(b.is_empty() && b.capacity() == CAPACITY);
        assert_eq!(b.as_ptr(), ptr, "reused");
        let many: Vec<ReadBuffer> = (0..POOLED * 2).map(|_| ReadBuffer::take()).collect();
        drop(many);
        assert_eq!(POOL.with_borrow(Vec::len), POOLED);
    }
}
