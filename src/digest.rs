//! SHA-256 digests as lowercase hex, the form the manifests and BagIt use.

use std::path::Path;

use sha2::{Digest, Sha256};

/// The SHA-256 of `bytes`, as hex.
pub(crate) fn sha256(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

/// The SHA-256 of a hasher's input so far, as hex.
pub(crate) fn finish(hasher: Sha256) -> String {
    format!("{:x}", hasher.finalize())
}

/// The SHA-256 and size of the file at `path`, streamed.
pub(crate) fn sha256_file(path: &Path) -> std::io::Result<(String, u64)> {
    let mut hasher = Sha256::new();
    let size = std::io::copy(&mut std::fs::File::open(path)?, &mut hasher)?;
    Ok((finish(hasher), size))
}

#[cfg(test)]
mod tests {
    #[test]
    fn known_digests() {
        let abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        assert_eq!(super::sha256(b"abc"), abc);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("abc");
        std::fs::write(&path, b"abc").unwrap();
        assert_eq!(super::sha256_file(&path).unwrap(), (abc.to_string(), 3));
    }
}
