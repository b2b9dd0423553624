//! The list of segments a SegmentTemplate addresses (§5.3.9.4-6): from a
//! SegmentTimeline (each S with its start, duration and repeats; r = −1
//! repeats to the next S or the period's end), or from @duration over the
//! period's length. Counts are bounded and arithmetic is checked.

use std::time::Duration;

use super::{MpdError, SegmentTemplate};

/// Most segments of one representation.
pub const MAX_SEGMENTS: usize = 100_000;

/// One media segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    /// $Number$.
    pub number: u64,
    /// $Time$: the start in the timescale.
    pub time: u64,
    /// Duration in the timescale.
    pub duration: u64,
}

/// The segments of `t` (already inherited) for representation `id`, in a
/// period lasting `period` (if known).
pub fn list(
    t: &SegmentTemplate,
    period: Option<Duration>,
    id: &str,
) -> Result<Vec<Segment>, MpdError> {
    let timescale = t.timescale.unwrap_or(1).max(1);
    let first_number = t.start_number.unwrap_or(1);
    let offset = t.presentation_time_offset.unwrap_or(0);
    let overflow = || MpdError::TooMany("segments (times overflow)");
    // The period's end in the timescale, after the offset.
    let period_end = period.map(|p| {
        let units = p.as_nanos().saturating_mul(u128::from(timescale)) / 1_000_000_000;
        offset.saturating_add(u64::try_from(units).unwrap_or(u64::MAX))
    });
    let mut out = Vec::new();
    let bad_d = |d: u64| MpdError::Invalid {
        element: "S",
        attribute: "d",
        value: d.to_string(),
    };
    if let Some(entries) = &t.timeline {
        let mut next_t = offset;
        for (i, s) in entries.iter().enumerate() {
            if s.d == 0 {
                return Err(bad_d(s.d));
            }
            let start = s.t.unwrap_or(next_t);
            let repeats = if s.r >= 0 {
                s.r as u64
            } else {
                let end = entries
                    .get(i + 1)
                    .and_then(|n| n.t)
                    .or(period_end)
                    .ok_or_else(|| MpdError::UnknownLength(id.to_string()))?;
                end.saturating_sub(start).div_ceil(s.d).saturating_sub(1)
            };
            if repeats >= (MAX_SEGMENTS - out.len()) as u64 {
                return Err(MpdError::TooMany("segments"));
            }
            for k in 0..=repeats {
                let time = k
                    .checked_mul(s.d)
                    .and_then(|x| x.checked_add(start))
                    .ok_or_else(overflow)?;
                let number = first_number
                    .checked_add(out.len() as u64)
                    .ok_or_else(overflow)?;
                out.push(Segment {
                    number,
                    time,
                    duration: s.d,
                });
            }
            next_t = (repeats + 1)
                .checked_mul(s.d)
                .and_then(|x| x.checked_add(start))
                .ok_or_else(overflow)?;
        }
        return Ok(out);
    }
    let d = t.duration.filter(|&d| d > 0).ok_or(MpdError::Missing {
        element: "SegmentTemplate",
        attribute: "duration (or a SegmentTimeline)",
    })?;
    let end = period_end.ok_or_else(|| MpdError::UnknownLength(id.to_string()))?;
    let count = end.saturating_sub(offset).div_ceil(d);
    if count > MAX_SEGMENTS as u64 {
        return Err(MpdError::TooMany("segments"));
    }
    for k in 0..count {
        out.push(Segment {
            number: first_number.checked_add(k).ok_or_else(overflow)?,
            time: offset + k * d,
            duration: d.min(end - offset - k * d),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::super::TimelineEntry;
    use super::*;

    fn s(t: Option<u64>, d: u64, r: i64) -> TimelineEntry {
        TimelineEntry { t, d, r }
    }

    #[test]
    fn timeline_with_repeats_and_implicit_starts() {
        // ffmpeg's audio timeline: uneven segments.
        let t = SegmentTemplate {
            timescale: Some(44100),
            timeline: Some(vec![
                s(Some(0), 84992, 0),
                s(None, 88064, 1),
                s(None, 2592, 0),
            ]),
            ..SegmentTemplate::default()
        };
        let l = list(&t, None, "a").unwrap();
        let times: Vec<u64> = l.iter().map(|x| x.time).collect();
        assert_eq!(times, [0, 84992, 173056, 261120]);
        assert_eq!(l.iter().map(|x| x.number).collect::<Vec<_>>(), [1, 2, 3, 4]);
    }

    #[test]
    fn open_repeat_fills_the_period() {
        let t = SegmentTemplate {
            timescale: Some(1000),
            start_number: Some(0),
            timeline: Some(vec![s(Some(0), 2000, -1)]),
            ..SegmentTemplate::default()
        };
        let l = list(&t, Some(Duration::from_secs(7)), "v").unwrap();
        assert_eq!(l.len(), 4);
        assert_eq!(l[3].number, 3);
        assert!(matches!(
            list(&t, None, "v"),
            Err(MpdError::UnknownLength(_))
        ));
    }

    #[test]
    fn duration_addressing_counts_over_the_period() {
        let t = SegmentTemplate {
            timescale: Some(1_000_000),
            duration: Some(2_000_000),
            ..SegmentTemplate::default()
        };
        let l = list(&t, Some(Duration::from_millis(8040)), "v").unwrap();
        assert_eq!(l.len(), 5);
        assert_eq!(l[4].duration, 40_000, "the last segment is short");
        assert_eq!(l[0].number, 1);
    }

    #[test]
    fn hostile_counts_are_refused() {
        let t = SegmentTemplate {
            timeline: Some(vec![s(Some(0), 1, i64::MAX)]),
            ..SegmentTemplate::default()
        };
        assert!(matches!(list(&t, None, "v"), Err(MpdError::TooMany(_))));
        let t = SegmentTemplate {
            duration: Some(1),
            ..SegmentTemplate::default()
        };
        assert!(list(&t, Some(Duration::from_secs(1 << 40)), "v").is_err());
        let t = SegmentTemplate {
            timeline: Some(vec![s(Some(u64::MAX), 2, 1)]),
            ..SegmentTemplate::default()
        };
        assert!(list(&t, None, "v").is_err());
    }
}
