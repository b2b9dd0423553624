//! Storage on a temporary directory: multi-file layout with pieces crossing
//! file boundaries, sparse creation, the resume file written only for
//! verified pieces after they are synced, a restart that trusts the resume
//! file and hashes only the pieces it does not list, and read-only seeding.

use std::fs;
use std::path::Path;

use l7_p2p::metainfo::{Metainfo, TorrentBuilder, hash_piece};
use l7_p2p::storage::{Storage, resume};

const PIECE: usize = 16 * 1024;

fn torrent(data: &[u8]) -> Metainfo {
    // Files of 10 000, 0, 30 000 and 9 152 bytes: 49 152 bytes, 3 pieces.
    let files = [
        ("a.bin".to_string(), 10_000),
        ("sub/empty".to_string(), 0),
        ("sub/b.bin".to_string(), 30_000),
        ("c.bin".to_string(), 9_152),
    ];
    let b = TorrentBuilder::multi_file("multi", &files)
        .unwrap()
        .piece_length(PIECE as u64)
        .unwrap();
    let hashes = data.chunks(PIECE).map(hash_piece).collect();
    b.build(hashes).unwrap()
}

fn piece(data: &[u8], i: usize) -> &[u8] {
    &data[i * PIECE..((i + 1) * PIECE).min(data.len())]
}

#[test]
fn writes_across_files_and_resumes_after_restart() {
    let data: Vec<u8> = (0..49_152u32).map(|i| (i % 251) as u8).collect();
    let m = torrent(&data);
    let dir = tempfile::tempdir().unwrap();
    let resume_path = dir.path().join("multi.resume");
    {
        let mut s = Storage::create(dir.path(), &m, &resume_path).unwrap();
        assert_eq!(
            fs::metadata(dir.path().join("multi/sub/b.bin"))
                .unwrap()
                .len(),
            30_000,
            "sparse, full length"
        );
        assert!(dir.path().join("multi/sub/empty").exists());
        assert_eq!(s.recheck().unwrap().count(), 0);
        s.write_piece(1, piece(&data, 1)).unwrap();
        s.write_piece(0, piece(&data, 0)).unwrap();
        assert!(s.write_piece(2, &[0; 5]).is_err());
        assert_eq!(
            s.read_block(1, 100, PIECE as u32 - 100).unwrap(),
            data[PIECE + 100..2 * PIECE].to_vec()
        );
        // Written but not synced: not listed yet.
        assert_eq!(resume::read(&resume_path, m.info_hash, 3), None);
        assert_eq!(s.verified().count(), 0);
        assert_eq!(s.sync().unwrap(), vec![0, 1]);
        assert_eq!(s.sync().unwrap(), Vec::<u32>::new());
        let listed = resume::read(&resume_path, m.info_hash, 3).unwrap();
        assert_eq!(listed.ones().collect::<Vec<_>>(), vec![0, 1]);
        assert!(
            !resume_path.with_extension("tmp").exists(),
            "written atomically"
        );
    }
    // Piece 0 is listed: corrupt its bytes behind the resume file's back — a
    // restart trusts the list and does not re-read it.
    let a = dir.path().join("multi/a.bin");
    let mut bytes = fs::read(&a).unwrap();
    bytes[0] ^= 1;
    fs::write(&a, &bytes).unwrap();
    // Piece 2's data reached disk but the process died before listing it.
    let c = dir.path().join("multi/c.bin");
    let mut on_disk = fs::read(&c).unwrap();
    on_disk.copy_from_slice(&data[40_000..]);
    fs::write(&c, on_disk).unwrap();
    write_tail_of_b(dir.path(), &data);
    let mut s = Storage::create(dir.path(), &m, &resume_path).unwrap();
    let verified = s.recheck().unwrap().clone();
    assert_eq!(
        verified.ones().collect::<Vec<_>>(),
        vec![0, 1, 2],
        "listed pieces trusted, piece 2 found by hashing"
    );
    assert_eq!(
        resume::read(&resume_path, m.info_hash, 3).unwrap(),
        verified
    );
}

/// Piece 2 (bytes 32 768..49 152) spans the last 7 232 bytes of b.bin and all of c.bin.
fn write_tail_of_b(dir: &Path, data: &[u8]) {
    let b = dir.join("multi/sub/b.bin");
    let mut bytes = fs::read(&b).unwrap();
    bytes[30_000 - 7_232..].copy_from_slice(&data[2 * PIECE..40_000]);
    fs::write(&b, bytes).unwrap();
}

#[test]
fn deleted_file_is_not_trusted() {
    let data: Vec<u8> = (0..49_152u32).map(|i| (i % 13) as u8).collect();
    let m = torrent(&data);
    let dir = tempfile::tempdir().unwrap();
    let resume_path = dir.path().join("r");
    {
        let mut s = Storage::create(dir.path(), &m, &resume_path).unwrap();
        for i in 0..3 {
            s.write_piece(i as u32, piece(&data, i)).unwrap();
        }
        s.sync().unwrap();
    }
    fs::remove_file(dir.path().join("multi/c.bin")).unwrap();
    let mut s = Storage::create(dir.path(), &m, &resume_path).unwrap();
    assert_eq!(s.recheck().unwrap().ones().collect::<Vec<_>>(), vec![0, 1]);
}

#[test]
fn seeding_existing_data_is_read_only_and_checked() {
    let data: Vec<u8> = (0..49_152u32).map(|i| (i % 7) as u8).collect();
    let m = torrent(&data);
    let dir = tempfile::tempdir().unwrap();
    let resume_path = dir.path().join("r");
    // Missing files: refused, and nothing is created.
    assert!(Storage::open_existing(dir.path(), &m, &resume_path).is_err());
    assert!(!dir.path().join("multi").exists());
    // Lay the data out by hand, as a user's files would be.
    let root = dir.path().join("multi");
    fs::create_dir_all(root.join("sub")).unwrap();
    fs::write(root.join("a.bin"), &data[..10_000]).unwrap();
    fs::write(root.join("sub/empty"), b"").unwrap();
    fs::write(root.join("sub/b.bin"), &data[10_000..40_000]).unwrap();
    fs::write(root.join("c.bin"), &data[40_000..]).unwrap();
    let mut s = Storage::open_existing(dir.path(), &m, &resume_path).unwrap();
    assert_eq!(
        s.recheck().unwrap().count(),
        3,
        "every piece hashed and found good"
    );
    assert!(s.write_piece(0, piece(&data, 0)).is_err());
    assert_eq!(
        s.read_block(2, 0, 10).unwrap(),
        data[2 * PIECE..2 * PIECE + 10].to_vec()
    );
    assert!(s.read_block(3, 0, 1).is_err());
}
