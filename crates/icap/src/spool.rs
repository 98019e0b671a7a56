//! [`Spool`]: a body kept to be echoed back, in memory up to
//! [`ECHO_MEMORY_BYTES`], then in an unnamed temporary file, up to a
//! limit.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::{ECHO_MEMORY_BYTES, READ_BUFFER_SIZE};

enum State {
    /// Not kept: the answer will not need the body.
    Off,
    /// Keeping every byte so far.
    Keeping,
    /// The body passed the limit; what was kept is freed.
    Overflow,
    /// The temporary file could not be made or written.
    Failed(String),
}

/// A body kept for an echo. Memory is bounded by [`ECHO_MEMORY_BYTES`];
/// the rest goes to a file created with `tempfile` (unlinked at once, so
/// nothing is left behind, whatever happens to the process).
pub(crate) struct Spool {
    state: State,
    limit: u64,
    dir: PathBuf,
    mem: Vec<u8>,
    file: Option<File>,
    len: u64,
}

impl Spool {
    /// Keeps up to `limit` bytes, spilling to a file in `dir`.
    pub(crate) fn new(limit: u64, dir: &Path) -> Spool {
        Spool {
            state: State::Keeping,
            limit,
            dir: dir.to_path_buf(),
            mem: Vec::new(),
            file: None,
            len: 0,
        }
    }

    /// Keeps nothing.
    pub(crate) fn off() -> Spool {
        let mut s = Spool::new(0, Path::new(""));
        s.state = State::Off;
        s
    }

    /// The next bytes of the body.
    pub(crate) fn keep(&mut self, data: &[u8]) {
        if !matches!(self.state, State::Keeping) {
            return;
        }
        let n = data.len() as u64;
        if self.len + n > self.limit {
            self.free(State::Overflow);
            return;
        }
        self.len += n;
        if self.file.is_none()
            && self.mem.len() + data.len() <= ECHO_MEMORY_BYTES
        {
            self.mem.extend_from_slice(data);
            return;
        }
        if self.file.is_none() {
            match tempfile::tempfile_in(&self.dir) {
                Ok(f) => self.file = Some(f),
                Err(e) => {
                    let msg = format!(
                        "could not create a file in {} to keep the body \
                         for an echo: {e}",
                        self.dir.display()
                    );
                    self.free(State::Failed(msg));
                    return;
                }
            }
        }
        if let Some(f) = &mut self.file {
            if let Err(e) = f.write_all(data) {
                let msg = format!("could not keep the body for an echo: {e}");
                self.free(State::Failed(msg));
            }
        }
    }

    /// Drops what is kept and keeps nothing more (the answer will not
    /// need it).
    pub(crate) fn release(&mut self) {
        self.free(State::Off);
    }

    fn free(&mut self, state: State) {
        self.state = state;
        self.mem = Vec::new();
        self.file = None;
    }

    /// Whether every byte so far is kept.
    pub(crate) fn is_whole(&self) -> bool {
        matches!(self.state, State::Keeping)
    }

    /// Why the body cannot be echoed, if it was to be kept and was not.
    pub(crate) fn problem(&self) -> Option<String> {
        match &self.state {
            State::Overflow => Some(format!(
                "the body is larger than max_echo_bytes ({} bytes) and the \
                 client did not allow 204, so it could not be kept to be \
                 returned",
                self.limit
            )),
            State::Failed(msg) => Some(msg.clone()),
            State::Off | State::Keeping => None,
        }
    }

    /// Hands the kept body to `out`, in pieces of at most
    /// [`READ_BUFFER_SIZE`] bytes, in order.
    pub(crate) fn replay(
        &mut self,
        out: &mut dyn FnMut(&[u8]) -> io::Result<()>,
    ) -> io::Result<()> {
        for piece in self.mem.chunks(READ_BUFFER_SIZE) {
            out(piece)?;
        }
        if let Some(f) = &mut self.file {
            f.seek(SeekFrom::Start(0))?;
            let mut buf = vec![0; READ_BUFFER_SIZE];
            loop {
                let n = f.read(&mut buf)?;
                if n == 0 {
                    break;
                }
                out(&buf[..n])?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn replayed(s: &mut Spool) -> Vec<u8> {
        let mut out = Vec::new();
        s.replay(&mut |b| {
            out.extend_from_slice(b);
            Ok(())
        })
        .unwrap();
        out
    }

    #[test]
    fn small_bodies_stay_in_memory_large_ones_spill_and_replay_whole() {
        let dir = std::env::temp_dir();
        let body: Vec<u8> =
            (0..ECHO_MEMORY_BYTES * 3).map(|i| (i % 251) as u8).collect();
        let mut s = Spool::new(u64::MAX, &dir);
        for piece in body.chunks(10_000) {
            s.keep(piece);
        }
        assert!(s.file.is_some());
        assert!(s.mem.len() <= ECHO_MEMORY_BYTES);
        assert!(s.is_whole() && s.problem().is_none());
        assert_eq!(replayed(&mut s), body);

        let mut small = Spool::new(u64::MAX, &dir);
        small.keep(b"hello");
        assert!(small.file.is_none());
        assert_eq!(replayed(&mut small), b"hello");
    }

    #[test]
    fn over_the_limit_frees_everything_and_says_why() {
        let mut s = Spool::new(10, &std::env::temp_dir());
        s.keep(b"0123456789");
        assert!(s.is_whole());
        s.keep(b"x");
        assert!(!s.is_whole());
        assert!(s.problem().unwrap().contains("max_echo_bytes (10 bytes)"));
        assert!(s.mem.is_empty());
    }

    #[test]
    fn an_unwritable_directory_is_a_problem_not_a_panic() {
        let mut s = Spool::new(u64::MAX, Path::new("/nonexistent/spool"));
        s.keep(&vec![0; ECHO_MEMORY_BYTES + 1]);
        assert!(s.problem().unwrap().contains("/nonexistent/spool"));
    }
}
