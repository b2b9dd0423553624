//! How a torrent's bytes map onto files (BEP 3): the files are concatenated in
//! order and cut into pieces of `piece length` bytes (the last may be
//! shorter). A [`Layout`] turns a piece (or a block of one) into the file
//! spans it covers; storage and the torrent builder both read through it.

/// A contiguous run of bytes inside one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileSpan {
    /// Index into the torrent's file list.
    pub file_index: usize,
    /// Offset inside that file.
    pub file_offset: u64,
    /// Number of bytes.
    pub len: u64,
}

/// File lengths plus piece length: the geometry of a torrent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    file_lengths: Vec<u64>,
    /// Torrent offset at which each file starts.
    file_starts: Vec<u64>,
    total: u64,
    piece_length: u64,
}

impl Layout {
    /// Builds the geometry; `piece_length` must be non-zero (metainfo parsing guarantees it).
    pub fn new(file_lengths: Vec<u64>, piece_length: u64) -> Layout {
        let mut file_starts = Vec::with_capacity(file_lengths.len());
        let mut total = 0u64;
        for len in &file_lengths {
            file_starts.push(total);
            total = total.saturating_add(*len);
        }
        Layout {
            file_lengths,
            file_starts,
            total,
            piece_length: piece_length.max(1),
        }
    }

    /// Sum of all file lengths.
    pub fn total_length(&self) -> u64 {
        self.total
    }

    /// Nominal piece length.
    pub fn piece_length(&self) -> u64 {
        self.piece_length
    }

    /// Lengths of the files, in order.
    pub fn file_lengths(&self) -> &[u64] {
        &self.file_lengths
    }

    /// Number of pieces: ceil(total / piece length).
    pub fn piece_count(&self) -> u32 {
        u32::try_from(self.total.div_ceil(self.piece_length)).unwrap_or(u32::MAX)
    }

    /// Size of piece `index` (the last piece may be short); 0 past the end.
    pub fn piece_size(&self, index: u32) -> u64 {
        let start = u64::from(index).saturating_mul(self.piece_length);
        self.total.saturating_sub(start).min(self.piece_length)
    }

    /// The file spans covering `len` bytes from torrent offset `offset`
    /// (clipped to the torrent's end; empty files never appear).
    pub fn spans(&self, offset: u64, len: u64) -> Vec<FileSpan> {
        let end = offset.saturating_add(len).min(self.total);
        let mut out = Vec::new();
        // The first file whose end lies beyond `offset`.
        let first = self
            .file_starts
            .partition_point(|&start| start <= offset)
            .saturating_sub(1);
        let mut pos = offset;
        for file_index in first..self.file_lengths.len() {
            if pos >= end {
                break;
            }
            let start = self.file_starts[file_index];
            let file_end = start.saturating_add(self.file_lengths[file_index]);
            if file_end <= pos {
                continue;
            }
            let take = file_end.min(end) - pos;
            out.push(FileSpan {
                file_index,
                file_offset: pos - start,
                len: take,
            });
            pos += take;
        }
        out
    }

    /// The file spans of a whole piece.
    pub fn piece_spans(&self, index: u32) -> Vec<FileSpan> {
        self.block_spans(index, 0, self.piece_size(index))
    }

    /// The file spans of `len` bytes at `begin` inside piece `index`.
    pub fn block_spans(&self, index: u32, begin: u64, len: u64) -> Vec<FileSpan> {
        let offset = u64::from(index)
            .saturating_mul(self.piece_length)
            .saturating_add(begin);
        self.spans(offset, len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_cross_file_boundaries() {
        // Files of 5, 0, 7 and 4 bytes, pieces of 4: 16 bytes, 4 pieces.
        let l = Layout::new(vec![5, 0, 7, 4], 4);
        assert_eq!(l.piece_count(), 4);
        assert_eq!(l.piece_size(3), 4);
        assert_eq!(
            l.piece_spans(1),
            vec![
                FileSpan {
                    file_index: 0,
                    file_offset: 4,
                    len: 1
                },
                FileSpan {
                    file_index: 2,
                    file_offset: 0,
                    len: 3
                },
            ]
        );
        assert_eq!(
            l.piece_spans(3),
            vec![FileSpan {
                file_index: 3,
                file_offset: 0,
                len: 4
            }]
        );
        assert_eq!(
            l.block_spans(2, 1, 10),
            vec![
                FileSpan {
                    file_index: 2,
                    file_offset: 4,
                    len: 3
                },
                FileSpan {
                    file_index: 3,
                    file_offset: 0,
                    len: 4
                },
            ]
        );
        let short = Layout::new(vec![10], 4);
        assert_eq!(short.piece_count(), 3);
        assert_eq!(short.piece_size(2), 2);
        assert_eq!(short.piece_size(3), 0);
        assert!(short.piece_spans(3).is_empty());
    }
}
