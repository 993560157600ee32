//! Reading an import file: its header and first rows when it is uploaded, then batches of rows
//! from a byte offset (the job's checkpoint), each batch ending with the offset where the next
//! one starts. Parsing is the `csv` crate's (RFC 4180 quoting, CRLF or LF); this module adds
//! the byte bookkeeping, a UTF-8 byte-order mark, and per-row errors instead of failing the file.
//!
//! Where adjacent rows make one record (the line items of an order), a batch does not split
//! them: it is extended past its size until the group's key changes (see [`Batches::grouped`]).

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// A data row: its number as a spreadsheet shows it (the header is row 1) and its cells, or why
/// it cannot be read.
#[derive(Clone, Debug, PartialEq)]
pub struct RawRow {
    pub row: i64,
    pub cells: Result<Vec<String>, (&'static str, String)>,
    /// The trimmed, non-empty cell of the group column, if the batches are grouped (also for
    /// a row whose other cells cannot be read, as long as that one can).
    pub key: Option<String>,
}

/// Rows read in one go, and the offset just after the last of them.
#[derive(Debug)]
pub struct RawBatch {
    pub rows: Vec<RawRow>,
    pub end_offset: i64,
}

/// What an upload shows: the header and the first rows.
#[derive(Debug)]
pub struct Inspection {
    pub columns: Vec<String>,
    pub preview: Vec<Vec<String>>,
}

/// Why a file cannot be imported at all.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("the file is empty: the first row must name the columns")]
    Empty,
    #[error("{0}")]
    Header(String),
    #[error("reading the file: {0}")]
    Io(#[from] std::io::Error),
}

fn reader(file: BufReader<File>) -> csv::Reader<BufReader<File>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(file)
}

/// Where the header starts (after a byte-order mark).
fn header_start(file: &mut File) -> std::io::Result<u64> {
    let mut head = [0u8; 3];
    let mut n = 0;
    while n < 3 {
        match file.read(&mut head[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(if head[..n] == *BOM { 3 } else { 0 })
}

/// Reads the header (column names: trimmed, non-empty, distinct) and up to `preview` rows.
pub fn inspect(path: &Path, preview: usize, columns_max: usize) -> Result<Inspection, FileError> {
    let mut file = File::open(path)?;
    let start = header_start(&mut file)?;
    file.seek(SeekFrom::Start(start))?;
    let mut rdr = reader(BufReader::new(file));
    let mut header = csv::ByteRecord::new();
    if !rdr.read_byte_record(&mut header).map_err(csv_io)? {
        return Err(FileError::Empty);
    }
    let mut columns = Vec::with_capacity(header.len());
    for (i, raw) in header.iter().enumerate() {
        let name = std::str::from_utf8(raw)
            .map_err(|_| FileError::Header(format!("column {} is not UTF-8 text", i + 1)))?
            .trim()
            .to_owned();
        if name.is_empty() {
            return Err(FileError::Header(format!("column {} has no name", i + 1)));
        }
        if name.contains('\0') {
            return Err(FileError::Header(format!(
                "column {} has a NUL character in its name",
                i + 1
            )));
        }
        if name.chars().count() > COLUMN_NAME_MAX {
            return Err(FileError::Header(format!(
                "column {} has a name longer than {COLUMN_NAME_MAX} characters",
                i + 1
            )));
        }
        if columns.contains(&name) {
            return Err(FileError::Header(format!("column {name:?} appears twice")));
        }
        columns.push(name);
    }
    if columns.len() > columns_max {
        return Err(FileError::Header(format!(
            "the file has {} columns; at most {columns_max}",
            columns.len()
        )));
    }
    let mut rows = Vec::new();
    let mut rec = csv::ByteRecord::new();
    while rows.len() < preview && rdr.read_byte_record(&mut rec).map_err(csv_io)? {
        rows.push(rec.iter().map(preview_cell).collect());
    }
    Ok(Inspection {
        columns,
        preview: rows,
    })
}

/// Longest column name accepted, in characters.
pub const COLUMN_NAME_MAX: usize = 200;
/// Characters of a cell kept in the preview (the job stores the preview; the import itself
/// reads every cell whole).
pub const PREVIEW_CELL_MAX: usize = 200;

/// A cell as the preview shows it: invalid UTF-8 and control characters other than line
/// breaks and tabs as U+FFFD, cut to [`PREVIEW_CELL_MAX`] characters (with `…`).
fn preview_cell(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(raw);
    let kept: String = text.chars().take(PREVIEW_CELL_MAX).collect();
    let mut out = crate::validate::printable(&kept);
    if text.chars().nth(PREVIEW_CELL_MAX).is_some() {
        out.push('…');
    }
    out
}

fn csv_io(e: csv::Error) -> FileError {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => FileError::Io(e),
        other => FileError::Header(format!("{other:?}")),
    }
}

/// Reads the data rows of a file in batches, from a checkpoint.
pub struct Batches {
    rdr: csv::Reader<BufReader<File>>,
    /// File offset of the reader's first byte.
    base: u64,
    columns: usize,
    next_row: i64,
    record: csv::ByteRecord,
    group: Option<Group>,
    /// A row read ahead (it starts the next group) and the offset where it starts.
    pending: Option<(RawRow, i64)>,
}

/// How rows are grouped: by the key in `column`; a batch is extended for a group only while
/// the group has fewer than `max_rows` rows (a longer one is invalid anyway, and memory stays
/// bounded).
#[derive(Clone, Copy, Debug)]
struct Group {
    column: usize,
    max_rows: usize,
}

impl Batches {
    /// Opens `path` at `offset` (0: the start, whose header is skipped), where `rows_before`
    /// data rows were read already.
    pub fn open(
        path: &Path,
        offset: i64,
        rows_before: i64,
        columns: usize,
    ) -> Result<Self, FileError> {
        let mut file = File::open(path)?;
        let mut base = u64::try_from(offset).unwrap_or(0);
        let skip_header = base == 0;
        if skip_header {
            base = header_start(&mut file)?;
        }
        file.seek(SeekFrom::Start(base))?;
        let mut rdr = reader(BufReader::with_capacity(256 * 1024, file));
        let mut record = csv::ByteRecord::new();
        if skip_header && !rdr.read_byte_record(&mut record).map_err(csv_io)? {
            return Err(FileError::Empty);
        }
        Ok(Self {
            rdr,
            base,
            columns,
            next_row: rows_before + 2,
            record,
            group: None,
            pending: None,
        })
    }

    /// Keeps adjacent rows with the same key in `column` in one batch (unless the group grows
    /// past `max_rows`), and sets each row's [`RawRow::key`].
    pub fn grouped(mut self, column: usize, max_rows: usize) -> Self {
        self.group = Some(Group {
            column,
            max_rows: max_rows.max(1),
        });
        self
    }

    /// The file offset after the last row read.
    fn offset(&self) -> i64 {
        i64::try_from(self.base + self.rdr.position().byte()).unwrap_or(i64::MAX)
    }

    /// Up to `n` rows; `None` at the end of the file. Blank lines are skipped (not counted).
    /// Grouped, the batch goes on past `n` rows to the end of the last row's group.
    pub fn next_batch(&mut self, n: usize) -> Result<Option<RawBatch>, FileError> {
        let mut rows = Vec::with_capacity(n.min(65_536));
        rows.extend(self.pending.take().map(|(row, _)| row));
        while rows.len() < n || self.group.is_some() {
            let start = self.offset();
            let Some(row) = self.read_row()? else {
                break;
            };
            if rows.len() >= n && !self.extends_group(&rows, &row) {
                self.pending = Some((row, start));
                break;
            }
            rows.push(row);
        }
        if rows.is_empty() {
            return Ok(None);
        }
        let end_offset = match &self.pending {
            Some((_, start)) => *start,
            None => self.offset(),
        };
        Ok(Some(RawBatch { rows, end_offset }))
    }

    /// Whether `row` belongs to the group that ends `rows`, and that group may grow.
    fn extends_group(&self, rows: &[RawRow], row: &RawRow) -> bool {
        let (Some(group), Some(key)) = (self.group, &row.key) else {
            return false;
        };
        let run = rows
            .iter()
            .rev()
            .take_while(|r| r.key.as_ref() == Some(key))
            .count();
        run > 0 && run < group.max_rows
    }

    fn read_row(&mut self) -> Result<Option<RawRow>, FileError> {
        let (cells, key) = match self.rdr.read_byte_record(&mut self.record) {
            Ok(false) => return Ok(None),
            Ok(true) => {
                let key = self.group.and_then(|g| {
                    let cell = std::str::from_utf8(self.record.get(g.column)?).ok()?.trim();
                    (!cell.is_empty() && !cell.contains('\0')).then(|| cell.to_owned())
                });
                (cells(&self.record, self.columns), key)
            }
            Err(e) => match e.into_kind() {
                csv::ErrorKind::Io(e) => return Err(FileError::Io(e)),
                other => (Err(("unreadable_row", format!("{other:?}"))), None),
            },
        };
        let row = self.next_row;
        self.next_row += 1;
        Ok(Some(RawRow { row, cells, key }))
    }
}

fn cells(rec: &csv::ByteRecord, columns: usize) -> Result<Vec<String>, (&'static str, String)> {
    if rec.len() != columns {
        return Err((
            "wrong_column_count",
            format!(
                "has {} cells; the header names {columns} columns",
                rec.len()
            ),
        ));
    }
    rec.iter()
        .enumerate()
        .map(|(i, c)| {
            // Text columns of PostgreSQL cannot hold a NUL: such a row is rejected, never
            // stored altered.
            if c.contains(&0) {
                return Err((
                    "nul_character",
                    format!("cell {} contains a NUL character", i + 1),
                ));
            }
            String::from_utf8(c.to_vec()).map_err(|_| {
                (
                    "invalid_encoding",
                    format!("cell {} is not UTF-8 text", i + 1),
                )
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn file(bytes: &[u8]) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().unwrap_or_else(|e| panic!("{e}"));
        f.write_all(bytes).unwrap_or_else(|e| panic!("{e}"));
        f
    }

    fn all(b: &mut Batches, n: usize) -> Vec<(Vec<RawRow>, i64)> {
        let mut out = Vec::new();
        while let Some(batch) = b.next_batch(n).unwrap_or_else(|e| panic!("{e}")) {
            out.push((batch.rows, batch.end_offset));
        }
        out
    }

    #[test]
    fn inspects_header_and_preview_after_a_bom() {
        let f =
            file(b"\xEF\xBB\xBFname, email\r\nAda,a@x.io\r\n\"Bo, Jr\",b@x.io\r\nCy,c@x.io\r\n");
        let i = inspect(f.path(), 2, 10).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(i.columns, vec!["name", "email"]);
        assert_eq!(
            i.preview,
            vec![vec!["Ada", "a@x.io"], vec!["Bo, Jr", "b@x.io"]]
        );
    }

    #[test]
    fn refuses_bad_headers() {
        assert!(matches!(
            inspect(file(b"").path(), 2, 10),
            Err(FileError::Empty)
        ));
        assert!(matches!(
            inspect(file(b"a,a\n1,2\n").path(), 2, 10),
            Err(FileError::Header(_))
        ));
        assert!(matches!(
            inspect(file(b"a,,b\n").path(), 2, 10),
            Err(FileError::Header(_))
        ));
        assert!(matches!(
            inspect(file(b"a,b,c\n").path(), 2, 2),
            Err(FileError::Header(_))
        ));
    }

    #[test]
    fn batches_resume_from_their_end_offsets_with_row_numbers() {
        let f = file(b"\xEF\xBB\xBFn,e\n1,a\n2,\"multi\nline\"\n3\n4,\xFF\n5,e\n6,f\n");
        let mut b = Batches::open(f.path(), 0, 0, 2).unwrap_or_else(|e| panic!("{e}"));
        let batches = all(&mut b, 2);
        let rows: Vec<i64> = batches
            .iter()
            .flat_map(|(r, _)| r.iter().map(|r| r.row))
            .collect();
        assert_eq!(rows, vec![2, 3, 4, 5, 6, 7]);
        let first = &batches[0].0;
        assert_eq!(
            first[1].cells,
            Ok(vec!["2".to_owned(), "multi\nline".to_owned()])
        );
        let second = &batches[1].0;
        assert_eq!(
            second[0].cells.as_ref().err().map(|e| e.0),
            Some("wrong_column_count")
        );
        assert_eq!(
            second[1].cells.as_ref().err().map(|e| e.0),
            Some("invalid_encoding")
        );
        // Resuming at the end of the first batch reads exactly the rest, numbered on.
        let mut resumed =
            Batches::open(f.path(), batches[0].1, 2, 2).unwrap_or_else(|e| panic!("{e}"));
        let rest = all(&mut resumed, 10);
        assert_eq!(rest.len(), 1);
        let rows: Vec<i64> = rest[0].0.iter().map(|r| r.row).collect();
        assert_eq!(rows, vec![4, 5, 6, 7]);
        assert_eq!(rest[0].0[3].cells, Ok(vec!["6".to_owned(), "f".to_owned()]));
        assert_eq!(rest[0].1, batches.last().map_or(0, |b| b.1));
    }

    #[test]
    fn grouped_batches_end_where_the_key_changes_and_resume_there() {
        let f = file(b"ref,sku\nA,1\nA,2\nB,3\nB,4\nB,5\n\nC,6\n,7\n,8\nD,9\nD,10\nD,11\nD,12\n");
        let open = |offset, rows| {
            Batches::open(f.path(), offset, rows, 2)
                .unwrap_or_else(|e| panic!("{e}"))
                .grouped(0, 3)
        };
        let batches = all(&mut open(0, 0), 1);
        let shape: Vec<Vec<(i64, Option<&str>)>> = batches
            .iter()
            .map(|(rows, _)| rows.iter().map(|r| (r.row, r.key.as_deref())).collect())
            .collect();
        assert_eq!(
            shape,
            vec![
                vec![(2, Some("A")), (3, Some("A"))],
                vec![(4, Some("B")), (5, Some("B")), (6, Some("B"))],
                vec![(7, Some("C"))],
                vec![(8, None)],
                vec![(9, None)],
                // A group longer than three rows is cut at three.
                vec![(10, Some("D")), (11, Some("D")), (12, Some("D"))],
                vec![(13, Some("D"))],
            ]
        );
        // Each batch ends where the next starts: resuming there reads the rest, numbered on.
        let (rows_before, offset) = (5, batches[1].1);
        let rest = all(&mut open(offset, rows_before), 100);
        let rows: Vec<i64> = rest
            .iter()
            .flat_map(|(r, _)| r.iter().map(|r| r.row))
            .collect();
        assert_eq!(rows, (7..=13).collect::<Vec<_>>());
        assert_eq!(rest[0].0[0].cells, Ok(vec!["C".to_owned(), "6".to_owned()]));
        // Batches of more rows keep whole groups too.
        let sizes: Vec<usize> = all(&mut open(0, 0), 3)
            .iter()
            .map(|(r, _)| r.len())
            .collect();
        assert_eq!(sizes, vec![5, 3, 3, 1]);
    }
}
