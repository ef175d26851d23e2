//! How a build reports progress. The library only calls this trait; the command line shows it
//! as a progress bar.

/// Receives a build's progress. Called from worker threads.
pub(crate) trait Progress: Sync {
    /// `total` letters are about to be made.
    fn start(&self, total: usize);
    /// One letter is finished, written or failed.
    fn letter_done(&self, name: &str);
    /// All letters are finished.
    fn finish(&self);
}
