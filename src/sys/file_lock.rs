//! Whole-file advisory locks (flock(2)), which the spool's segments are handed between processes
//! with. A lock belongs to the open file: it ends when the file is closed, or when its process
//! dies, however it dies.

use std::fs::File;
use std::io;
use std::os::unix::io::AsRawFd;

/// Takes an exclusive lock on `file`, waiting for it.
pub fn lock(file: &File) -> io::Result<()> {
    flock(file, libc::LOCK_EX).map(|_| ())
}

/// Takes an exclusive lock on `file` if nobody holds one; Ok(false) when someone does.
pub fn try_lock(file: &File) -> io::Result<bool> {
    flock(file, libc::LOCK_EX | libc::LOCK_NB)
}

fn flock(file: &File, op: libc::c_int) -> io::Result<bool> {
    loop {
        // SAFETY: the descriptor is open for as long as `file` is borrowed; flock has no other
        // memory effects.
        if unsafe { libc::flock(file.as_raw_fd(), op) } == 0 {
            return Ok(true);
        }
        let e = io::Error::last_os_error();
        match e.raw_os_error() {
            Some(libc::EINTR) => continue,
            Some(libc::EWOULDBLOCK) => return Ok(false),
            _ => return Err(e),
        }
    }
}
