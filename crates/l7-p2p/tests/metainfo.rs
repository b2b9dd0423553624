//! Metainfo tests: a hand-written torrent whose info-hash is computed
//! independently (SHA-1 over the `info` slice located by hand), non-canonical
//! info bytes hashed as received, multi-file and announce-list parsing, path
//! safety, and builder round trips.

use l7_p2p::metainfo::{
    InfoHash, Metainfo, MetainfoError, TorrentBuilder, hash_piece, magnet_link,
};
use sha1::{Digest, Sha1};

fn single_file_torrent() -> (Vec<u8>, Vec<u8>) {
    let data = b"hello, bittorrent world!"; // 24 bytes, pieces of 16 -> 2 pieces
    let mut info = Vec::new();
    info.extend_from_slice(b"d6:lengthi24e4:name9:hello.txt12:piece lengthi16e6:pieces40:");
    info.extend_from_slice(&Sha1::digest(&data[..16]));
    info.extend_from_slice(&Sha1::digest(&data[16..]));
    info.extend_from_slice(b"e");
    let mut file = Vec::new();
    file.extend_from_slice(b"d8:announce32:http://tracker.bittorrent.test/a4:info");
    file.extend_from_slice(&info);
    file.extend_from_slice(b"e");
    (file, info)
}

#[test]
fn info_hash_is_sha1_of_raw_info_slice() {
    let (file, info) = single_file_torrent();
    let m = Metainfo::parse(&file).unwrap();
    let expected: [u8; 20] = Sha1::digest(&info).into();
    assert_eq!(m.info_hash, InfoHash(expected));
    assert_eq!(m.info.name, "hello.txt");
    assert_eq!(m.info.total_length(), 24);
    assert_eq!(m.info.pieces.len(), 2);
    assert_eq!(m.info.pieces[1], hash_piece(b"t world!"));
    assert_eq!(
        m.announce.as_deref(),
        Some("http://tracker.bittorrent.test/a")
    );
    assert!(!m.info.private);
    // Canonical input re-encodes to the same bytes.
    assert_eq!(m.to_bytes(), file);
    assert_eq!(
        magnet_link(&m),
        format!(
            "magnet:?xt=urn:btih:{}&dn=hello.txt&tr=http%3A%2F%2Ftracker.bittorrent.test%2Fa",
            m.info_hash.to_hex()
        )
    );
}

#[test]
fn hash_is_over_bytes_as_received_not_reencoded() {
    // An unknown key inside info ("zzz", which we do not keep) still counts in the hash.
    let (_, info) = single_file_torrent();
    let mut raw = info[..info.len() - 1].to_vec();
    raw.extend_from_slice(b"3:zzzi7ee");
    let file = [&b"d4:info"[..], &raw, b"e"].concat();
    let m = Metainfo::parse(&file).unwrap();
    assert_eq!(m.info_hash, InfoHash(Sha1::digest(&raw).into()));
    assert_ne!(
        m.info_hash,
        InfoHash::of_info_bytes(&m.info.to_value().to_bytes())
    );
}

#[test]
fn multi_file_with_announce_list_and_private() {
    let b = TorrentBuilder::multi_file("dir", &[("a/one.bin".into(), 5), ("two.bin".into(), 20)])
        .unwrap()
        .piece_length(8)
        .unwrap()
        .tracker("http://t1/announce")
        .tracker("udp://t2:6969")
        .private(true);
    let data: Vec<u8> = (0..25u8).collect();
    let expected: Vec<[u8; 20]> = data.chunks(8).map(hash_piece).collect();
    let layout = b.layout();
    let offsets = [0u64, 5];
    let m = b
        .build_reading(|span, buf: &mut [u8]| -> Result<(), ()> {
            let start = (offsets[span.file_index] + span.file_offset) as usize;
            buf.copy_from_slice(&data[start..start + span.len as usize]);
            Ok(())
        })
        .unwrap();
    assert_eq!(layout.piece_count(), 4);
    assert_eq!(m.info.pieces, expected);
    let bytes = m.to_bytes();
    let back = Metainfo::parse(&bytes).unwrap();
    assert_eq!(back, m);
    assert!(back.info.private);
    assert_eq!(
        back.announce_list,
        vec![
            vec!["http://t1/announce".to_string()],
            vec!["udp://t2:6969".to_string()]
        ]
    );
    assert_eq!(back.trackers(), vec!["http://t1/announce", "udp://t2:6969"]);
    assert_eq!(
        back.info.file_list(),
        vec![
            (vec!["dir".into(), "a".into(), "one.bin".into()], 5),
            (vec!["dir".into(), "two.bin".into()], 20)
        ]
    );
}

fn multi_file_bytes(path: &str) -> Vec<u8> {
    let mut info =
        format!("d5:filesld6:lengthi1e4:pathl{path}eee4:name1:d12:piece lengthi16e6:pieces20:")
            .into_bytes();
    info.extend_from_slice(&[0u8; 20]);
    info.extend_from_slice(b"e");
    [&b"d4:info"[..], &info, b"e"].concat()
}

#[test]
fn paths_cannot_escape_the_directory() {
    assert!(Metainfo::parse(&multi_file_bytes("1:a")).is_ok());
    for bad in ["2:..", "0:", "4:/etc", "3:a/b", "1:.", "1:a2:.."] {
        assert!(
            matches!(
                Metainfo::parse(&multi_file_bytes(bad)),
                Err(MetainfoError::UnsafePath(_))
            ),
            "{bad}"
        );
    }
    assert!(TorrentBuilder::multi_file("d", &[("../x".into(), 1)]).is_err());
    assert!(TorrentBuilder::single_file("..", 1).is_err());
    assert!(matches!(
        Metainfo::parse(&multi_file_bytes("")),
        Err(MetainfoError::Field(_))
    ));
}

#[test]
fn inconsistent_fields_are_rejected() {
    let (file, _) = single_file_torrent();
    let wrong_count = String::from_utf8_lossy(&file).replace("lengthi24e", "lengthi99e");
    assert!(matches!(
        Metainfo::parse(wrong_count.as_bytes()),
        Err(MetainfoError::Inconsistent(_) | MetainfoError::Bencode(_))
    ));
    assert!(matches!(
        Metainfo::parse(b"d4:infodee"),
        Err(MetainfoError::Field(_))
    ));
    assert!(matches!(
        Metainfo::parse(b"de"),
        Err(MetainfoError::Field("info"))
    ));
    assert!(matches!(
        Metainfo::parse(b"d4:info"),
        Err(MetainfoError::Bencode(_))
    ));
    let huge = b"d4:infod6:lengthi9223372036854775807e4:name1:x12:piece lengthi1e6:pieces0:ee";
    assert!(matches!(
        Metainfo::parse(huge),
        Err(MetainfoError::Inconsistent(_))
    ));
    assert!(
        TorrentBuilder::single_file("x", 10)
            .unwrap()
            .build(vec![])
            .is_err()
    );
}
