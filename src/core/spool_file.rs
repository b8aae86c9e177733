//! The spool's files (`bridge.spool.dir`): how spooled messages are written, read back and handed
//! from one process to another. What goes into the spool and when it is re-sent is
//! `core::spool`'s business.
//!
//! One directory serves any number of processes (the workers of an FPM pool). Each process
//! appends to segment files of its own, `<unix ms>-<pid>-<n>.kbspool`, and holds an exclusive
//! lock (flock) on the one it is writing; a segment created under a temporary name, locked, and
//! only then renamed into place, so no other process ever sees it unlocked while it is written.
//! A segment nobody holds is complete and belongs to whoever locks it next: that replayer
//! re-sends it, records its progress in `<segment>.pos` (replaced atomically), and deletes both
//! once every record is in Kafka.
//!
//! A segment is the 8 bytes `KBSPOOL1`, then records: u32 body length, u32 CRC-32C of the body,
//! the body (little-endian throughout). A record whose length runs past the end of the file or
//! whose checksum does not match is an append its process never finished (killed mid-write): it
//! and everything after it are ignored, and the reader says so, so nothing is re-sent half.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use crate::sys::file_lock;

pub const MAGIC: &[u8; 8] = b"KBSPOOL1";
pub const EXTENSION: &str = "kbspool";
/// A body longer than this is corruption, not a message (librdkafka's own ceiling is 1 GB).
const MAX_BODY: u32 = 1 << 30;
const NULL_LEN: u32 = u32::MAX;

/// One spooled message, everything needed to produce it again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpoolRecord {
    pub topic: String,
    /// The partition it was meant for (-1: none chosen yet, the partitioner picks on replay).
    pub partition: i32,
    pub timestamp_ms: i64,
    pub key: Option<Vec<u8>>,
    pub value: Option<Vec<u8>>,
    pub headers: Vec<(String, Option<Vec<u8>>)>,
}

impl SpoolRecord {
    /// Appends the record's framing and body to `out`.
    pub fn encode(&self, out: &mut Vec<u8>) {
        let start = out.len();
        out.extend_from_slice(&[0; 8]); // length and checksum, filled in below
        out.extend_from_slice(&self.partition.to_le_bytes());
        out.extend_from_slice(&self.timestamp_ms.to_le_bytes());
        put_short(out, self.topic.as_bytes());
        put_bytes(out, self.key.as_deref());
        put_bytes(out, self.value.as_deref());
        out.extend_from_slice(&(self.headers.len().min(u16::MAX as usize) as u16).to_le_bytes());
        for (name, value) in self.headers.iter().take(u16::MAX as usize) {
            put_short(out, name.as_bytes());
            put_bytes(out, value.as_deref());
        }
        let body_len = (out.len() - start - 8) as u32;
        let crc = crc32c(&out[start + 8..]);
        out[start..start + 4].copy_from_slice(&body_len.to_le_bytes());
        out[start + 4..start + 8].copy_from_slice(&crc.to_le_bytes());
    }

    fn decode(body: &[u8]) -> Option<SpoolRecord> {
        let mut r = Cursor(body);
        let partition = i32::from_le_bytes(r.take(4)?.try_into().ok()?);
        let timestamp_ms = i64::from_le_bytes(r.take(8)?.try_into().ok()?);
        let topic = String::from_utf8(r.short()?.to_vec()).ok()?;
        let key = r.bytes()?;
        let value = r.bytes()?;
        let count = u16::from_le_bytes(r.take(2)?.try_into().ok()?);
        let mut headers = Vec::with_capacity(count as usize);
        for _ in 0..count {
            let name = String::from_utf8(r.short()?.to_vec()).ok()?;
            headers.push((name, r.bytes()?));
        }
        r.0.is_empty().then_some(SpoolRecord { topic, partition, timestamp_ms, key, value, headers })
    }
}

fn put_short(out: &mut Vec<u8>, b: &[u8]) {
    let b = &b[..b.len().min(u16::MAX as usize)];
    out.extend_from_slice(&(b.len() as u16).to_le_bytes());
    out.extend_from_slice(b);
}

fn put_bytes(out: &mut Vec<u8>, b: Option<&[u8]>) {
    match b {
        Some(b) => {
            out.extend_from_slice(&(b.len() as u32).to_le_bytes());
            out.extend_from_slice(b);
        }
        None => out.extend_from_slice(&NULL_LEN.to_le_bytes()),
    }
}

struct Cursor<'a>(&'a [u8]);

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (head, rest) = self.0.split_at_checked(n)?;
        self.0 = rest;
        Some(head)
    }
    fn short(&mut self) -> Option<&'a [u8]> {
        let n = u16::from_le_bytes(self.take(2)?.try_into().ok()?);
        self.take(n as usize)
    }
    fn bytes(&mut self) -> Option<Option<Vec<u8>>> {
        let n = u32::from_le_bytes(self.take(4)?.try_into().ok()?);
        if n == NULL_LEN {
            return Some(None);
        }
        Some(Some(self.take(n as usize)?.to_vec()))
    }
}

/// CRC-32C (Castagnoli), bitwise over a 256-entry table built at compile time.
pub fn crc32c(data: &[u8]) -> u32 {
    const TABLE: [u32; 256] = {
        let mut t = [0u32; 256];
        let mut i = 0;
        while i < 256 {
            let mut c = i as u32;
            let mut k = 0;
            while k < 8 {
                c = if c & 1 != 0 { 0x82F6_3B78 ^ (c >> 1) } else { c >> 1 };
                k += 1;
            }
            t[i] = c;
            i += 1;
        }
        t
    };
    !data.iter().fold(!0u32, |c, &b| TABLE[((c ^ b as u32) & 0xff) as usize] ^ (c >> 8))
}

/// What reading a segment found.
#[derive(Debug, Default)]
pub struct Contents {
    /// Where reading began: everything before it is in Kafka.
    pub from: u64,
    /// Records after `from` an earlier replay delivered already (by their end positions).
    pub done_after: Vec<u64>,
    /// Each record with the file position just after it (what `.pos` records once it is in Kafka).
    pub records: Vec<(u64, SpoolRecord)>,
    /// Bytes at the end that are no whole record (an append that never finished), and where they
    /// begin.
    pub torn_bytes: u64,
    pub torn_at: u64,
}

/// Reads the records of a segment from `from` (a position `.pos` gave, or 0 for the start).
pub fn read_segment(file: &mut File, from: u64) -> io::Result<Contents> {
    let mut data = Vec::new();
    file.read_to_end(&mut data)?;
    if data.len() < MAGIC.len() || &data[..MAGIC.len()] != MAGIC {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "not a kafkabridge spool segment (no KBSPOOL1 header)"));
    }
    let mut pos = (from as usize).max(MAGIC.len());
    let mut out = Contents { from: pos as u64, ..Contents::default() };
    while pos < data.len() {
        let Some(record) = data.get(pos..pos + 8).and_then(|frame| {
            let len = u32::from_le_bytes(frame[..4].try_into().ok()?);
            let crc = u32::from_le_bytes(frame[4..].try_into().ok()?);
            let body = data.get(pos + 8..(pos + 8).checked_add(len as usize)?).filter(|_| len <= MAX_BODY)?;
            (crc32c(body) == crc).then(|| SpoolRecord::decode(body)).flatten().map(|r| (len, r))
        }) else {
            out.torn_at = pos as u64;
            out.torn_bytes = (data.len() - pos) as u64;
            break;
        };
        pos += 8 + record.0 as usize;
        out.records.push((pos as u64, record.1));
    }
    Ok(out)
}

/// The segments in `dir`, oldest first (names begin with their creation time).
pub fn segments(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut found: Vec<PathBuf> =
        fs::read_dir(dir)?.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|x| x == EXTENSION)).collect();
    found.sort();
    Ok(found)
}

/// Bytes the segments and their `.pos` files in `dir` take.
pub fn dir_bytes(dir: &Path) -> u64 {
    fs::read_dir(dir).map_or(0, |entries| entries.filter_map(|e| e.ok()?.metadata().ok()).filter(|m| m.is_file()).map(|m| m.len()).sum())
}

fn pos_path(segment: &Path) -> PathBuf {
    let mut p = segment.as_os_str().to_owned();
    p.push(".pos");
    PathBuf::from(p)
}

static NEXT_SEGMENT: AtomicU32 = AtomicU32::new(0);

/// The segment this process appends to; locked for as long as it is open.
pub struct Writer {
    file: File,
    path: PathBuf,
    bytes: u64,
}

impl Writer {
    /// Creates a new segment in `dir`, locked before it appears under its real name.
    pub fn create(dir: &Path) -> io::Result<Writer> {
        let now_ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis());
        // Names sort in the order of writing: time, then this process's count (padded).
        let name = format!("{now_ms:013}-{}-{:08}.{EXTENSION}", std::process::id(), NEXT_SEGMENT.fetch_add(1, Ordering::Relaxed));
        let path = dir.join(&name);
        let tmp = dir.join(format!(".{name}.tmp"));
        let mut file = OpenOptions::new().create_new(true).read(true).append(true).mode(0o600).open(&tmp)?;
        file_lock::lock(&file)?;
        file.write_all(MAGIC)?;
        fs::rename(&tmp, &path)?;
        Ok(Writer { file, path, bytes: MAGIC.len() as u64 })
    }

    /// Appends encoded records (one write), then with `fsync` waits until they are on disk.
    pub fn append(&mut self, encoded: &[u8], fsync: bool) -> io::Result<()> {
        self.file.write_all(encoded)?;
        self.bytes += encoded.len() as u64;
        if fsync {
            self.file.sync_data()?;
        }
        Ok(())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn bytes(&self) -> u64 {
        self.bytes
    }
}

/// A segment locked by this process for replay: nobody writes it any more.
pub struct Claimed {
    file: File,
    path: PathBuf,
}

impl Claimed {
    /// Locks `path` if no live process holds it (its writer ended, or another replayer is not at
    /// it). None when it is held, or gone since it was listed.
    pub fn try_claim(path: &Path) -> io::Result<Option<Claimed>> {
        let file = match File::open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        if !file_lock::try_lock(&file)? {
            return Ok(None);
        }
        // A replayer that finished it may have deleted it between our open and our lock.
        let same = fs::metadata(path).is_ok_and(|m| file.metadata().is_ok_and(|f| f.ino() == m.ino() && f.dev() == m.dev()));
        Ok(same.then(|| Claimed { file, path: path.to_path_buf() }))
    }

    /// The records after the position `.pos` recorded, and which of them are done already.
    /// `.pos` holds the position, then the end positions of records done beyond it.
    pub fn remaining(&mut self) -> io::Result<Contents> {
        let saved = fs::read_to_string(pos_path(&self.path)).unwrap_or_default();
        let mut numbers = saved.split_ascii_whitespace().map_while(|n| n.parse::<u64>().ok());
        let from = numbers.next().unwrap_or(0);
        let done_after = numbers.collect();
        Ok(Contents { done_after, ..read_segment(&mut self.file, from)? })
    }

    /// Records that everything before `pos`, and the records ending at `done_after`, are in
    /// Kafka (written to a temporary file, synced, renamed over the old one: a crash leaves the
    /// old or the new progress, never half).
    pub fn advance(&self, pos: u64, done_after: &std::collections::BTreeSet<u64>) -> io::Result<()> {
        let target = pos_path(&self.path);
        let mut tmp = target.as_os_str().to_owned();
        tmp.push(".tmp");
        let mut text = pos.to_string();
        for d in done_after {
            text.push(' ');
            text.push_str(&d.to_string());
        }
        let mut f = OpenOptions::new().create(true).write(true).truncate(true).mode(0o600).open(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_data()?;
        fs::rename(&tmp, &target)
    }

    /// Every record is in Kafka: the segment and its position go.
    pub fn finish(self) -> io::Result<()> {
        fs::remove_file(&self.path)?;
        match fs::remove_file(pos_path(&self.path)) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(n: u8) -> SpoolRecord {
        SpoolRecord {
            topic: format!("topic-{n}"),
            partition: n as i32 % 3 - 1,
            timestamp_ms: 1_700_000_000_000 + n as i64,
            key: (n % 2 == 0).then(|| vec![n; n as usize]),
            value: Some(vec![0xff, 0, n]),
            headers: vec![("a".into(), Some(b"x".to_vec())), ("null".into(), None)],
        }
    }

    fn temp_dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("kb-spool-test-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn crc32c_matches_the_standard_check_value() {
        assert_eq!(crc32c(b"123456789"), 0xE306_9283);
    }

    #[test]
    fn records_read_back_as_written_and_a_torn_tail_is_reported_not_returned() {
        let dir = temp_dir("roundtrip");
        let mut w = Writer::create(&dir).unwrap();
        let mut buf = Vec::new();
        for n in 0..5 {
            record(n).encode(&mut buf);
        }
        w.append(&buf, true).unwrap();
        // Half of a sixth record: a process killed in the middle of its write.
        let mut sixth = Vec::new();
        record(5).encode(&mut sixth);
        w.append(&sixth[..sixth.len() / 2], false).unwrap();
        let path = w.path().to_path_buf();
        drop(w);

        let mut c = Claimed::try_claim(&path).unwrap().expect("an ended writer's segment can be claimed");
        let got = c.remaining().unwrap();
        assert_eq!(got.records.iter().map(|(_, r)| r.clone()).collect::<Vec<_>>(), (0..5).map(record).collect::<Vec<_>>());
        assert_eq!(got.torn_bytes, (sixth.len() / 2) as u64);
        assert_eq!(got.torn_at, got.records.last().unwrap().0);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_flipped_bit_ends_the_readable_records_there() {
        let dir = temp_dir("bitflip");
        let mut w = Writer::create(&dir).unwrap();
        let mut buf = Vec::new();
        for n in 0..3 {
            record(n).encode(&mut buf);
        }
        w.append(&buf, false).unwrap();
        let path = w.path().to_path_buf();
        drop(w);
        let mut data = fs::read(&path).unwrap();
        let second = MAGIC.len() + buf.len() / 3 + 20; // inside the second record's body
        data[second] ^= 1;
        fs::write(&path, &data).unwrap();
        let got = read_segment(&mut File::open(&path).unwrap(), 0).unwrap();
        assert_eq!(got.records.len(), 1);
        assert!(got.torn_bytes > 0);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_segment_being_written_cannot_be_claimed_and_progress_survives_a_new_claim() {
        let dir = temp_dir("claim");
        let mut w = Writer::create(&dir).unwrap();
        let mut buf = Vec::new();
        for n in 0..4 {
            record(n).encode(&mut buf);
        }
        w.append(&buf, false).unwrap();
        let path = w.path().to_path_buf();
        assert_eq!(segments(&dir).unwrap(), vec![path.clone()], "the temporary name is gone");
        assert!(Claimed::try_claim(&path).unwrap().is_none(), "its writer holds it");
        drop(w);

        let mut first = Claimed::try_claim(&path).unwrap().unwrap();
        assert!(Claimed::try_claim(&path).unwrap().is_none(), "a replayer holds it");
        let all = first.remaining().unwrap();
        first.advance(all.records[1].0, &[all.records[3].0].into()).unwrap();
        drop(first);

        let mut again = Claimed::try_claim(&path).unwrap().unwrap();
        let rest = again.remaining().unwrap();
        assert_eq!(rest.records.iter().map(|(_, r)| r.clone()).collect::<Vec<_>>(), vec![record(2), record(3)]);
        assert_eq!(rest.done_after, vec![all.records[3].0]);
        assert!(dir_bytes(&dir) > buf.len() as u64);
        again.finish().unwrap();
        assert!(segments(&dir).unwrap().is_empty());
        assert_eq!(dir_bytes(&dir), 0, "the position file went with it");
        fs::remove_dir_all(&dir).unwrap();
    }
}
