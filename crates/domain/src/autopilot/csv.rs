//! The device list a partner uploads in the partner portal: the CSV that
//! `Get-WindowsAutoPilotInfo.ps1 -Partner` writes, with Partner Center's header (or its
//! lowercase variant). A file that is not such a list is refused whole, with the reason; a row
//! that is malformed as a device gets its per-device result like any other.

use super::{DeviceInput, MAX_BATCH_DEVICES};

/// The header Partner Center documents, in its column order.
pub const HEADER: [&str; 5] = [
    "Device Serial Number",
    "Windows Product ID",
    "Hardware Hash",
    "Manufacturer name",
    "Device model",
];

/// A device of the list, with the line it came from (the header is line 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvDevice {
    /// Its line in the file.
    pub line: u64,
    /// The device.
    pub device: DeviceInput,
}

/// What is wrong with a line of a device list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineProblem {
    /// It has this many columns, not five.
    Columns(usize),
    /// It is not UTF-8 text.
    NotText,
    /// It is not a CSV line (an unclosed quote …).
    NotCsv,
}

/// Why a file is not a device list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CsvError {
    /// The file is empty.
    Empty,
    /// The first line is not the documented header (what it holds, cut short).
    Header(String),
    /// A line that is not a row of the list.
    Line(u64, LineProblem),
    /// More devices than one list may hold.
    TooMany,
}

impl std::fmt::Display for CsvError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Empty => f.write_str("the file is empty"),
            Self::Header(found) => write!(
                f,
                "the first line must be the header `{}`; found `{found}`",
                HEADER.join(",")
            ),
            Self::Line(n, LineProblem::Columns(c)) => {
                write!(f, "line {n}: {c} columns where the header has 5")
            }
            Self::Line(n, LineProblem::NotText) => write!(f, "line {n}: not UTF-8 text"),
            Self::Line(n, LineProblem::NotCsv) => write!(f, "line {n}: not a CSV line"),
            Self::TooMany => write!(f, "a device list holds at most {MAX_BATCH_DEVICES} devices"),
        }
    }
}

fn field(record: &::csv::ByteRecord, i: usize) -> Option<String> {
    record
        .get(i)
        .and_then(|b| std::str::from_utf8(b).ok())
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// Reads a device list. Blank lines are skipped; each other line is one device.
pub fn parse(bytes: &[u8]) -> Result<Vec<CsvDevice>, CsvError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut header = ::csv::ByteRecord::new();
    match reader.read_byte_record(&mut header) {
        Ok(false) => return Err(CsvError::Empty),
        Err(_) => return Err(CsvError::Line(1, LineProblem::NotCsv)),
        Ok(true) => {}
    }
    let names: Vec<String> = header
        .iter()
        .map(|b| String::from_utf8_lossy(b).trim().to_owned())
        .collect();
    let matches = names.len() == HEADER.len()
        && names
            .iter()
            .zip(HEADER)
            .all(|(n, h)| n.eq_ignore_ascii_case(h));
    if !matches {
        let mut found = names.join(",");
        found.truncate(200);
        return Err(CsvError::Header(found));
    }
    let mut out = Vec::new();
    let mut record = ::csv::ByteRecord::new();
    // Lines are counted from the records' byte offsets: the reader reports a record from the
    // line ending (or blank lines) before it, which are skipped here.
    let (mut counted_to, mut line) = (0_usize, 1_u64);
    let mut line_at = |offset: u64| {
        let mut offset = usize::try_from(offset)
            .unwrap_or(bytes.len())
            .min(bytes.len());
        while bytes
            .get(offset)
            .is_some_and(|b| matches!(b, b'\r' | b'\n'))
        {
            offset += 1;
        }
        let newlines = bytes[counted_to.min(offset)..offset]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        line += newlines as u64;
        counted_to = offset;
        line
    };
    loop {
        let read = reader.read_byte_record(&mut record);
        match read {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let line = line_at(e.position().map_or(0, |p| p.byte()));
                return Err(CsvError::Line(line, LineProblem::NotCsv));
            }
        }
        let line = line_at(record.position().map_or(0, |p| p.byte()));
        if record.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
            continue;
        }
        if record.len() != HEADER.len() {
            return Err(CsvError::Line(line, LineProblem::Columns(record.len())));
        }
        if record.iter().any(|f| std::str::from_utf8(f).is_err()) {
            return Err(CsvError::Line(line, LineProblem::NotText));
        }
        if out.len() == MAX_BATCH_DEVICES {
            return Err(CsvError::TooMany);
        }
        out.push(CsvDevice {
            line,
            device: DeviceInput {
                serial_number: field(&record, 0),
                product_key: field(&record, 1),
                hardware_hash: field(&record, 2),
                manufacturer: field(&record, 3),
                model: field(&record, 4),
            },
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_headers_are_read_and_each_row_is_a_device_with_its_line() {
        for header in [
            "Device Serial Number,Windows Product ID,Hardware Hash,Manufacturer name,Device model",
            "\u{feff}Device serial number,Windows product ID,Hardware hash,Manufacturer name,Device model",
        ] {
            let file = format!(
                "{header}\r\nSN-1,,,Microsoft Corporation,Surface Laptop\r\n\r\n,1234567890123,,,\r\n"
            );
            let rows = parse(file.as_bytes()).unwrap();
            assert_eq!(rows.len(), 2, "{rows:?}");
            assert_eq!(rows[0].line, 2);
            assert_eq!(rows[0].device.serial_number.as_deref(), Some("SN-1"));
            assert_eq!(rows[0].device.model.as_deref(), Some("Surface Laptop"));
            assert_eq!(rows[1].line, 4);
            assert_eq!(rows[1].device.product_key.as_deref(), Some("1234567890123"));
        }
    }

    #[test]
    fn a_file_that_is_not_a_device_list_is_refused_with_the_reason() {
        assert_eq!(parse(b""), Err(CsvError::Empty));
        let wrong = parse(b"Serial,Hash\nA,B\n").unwrap_err();
        assert!(matches!(wrong, CsvError::Header(ref f) if f == "Serial,Hash"));
        assert!(wrong.to_string().contains("Device Serial Number"));
        let short = format!("{}\nSN-1,,\n", HEADER.join(","));
        assert_eq!(
            parse(short.as_bytes()),
            Err(CsvError::Line(2, LineProblem::Columns(3)))
        );
        let binary = [HEADER.join(",").as_bytes(), b"\n\xff\xfe,,,,\n"].concat();
        assert_eq!(parse(&binary), Err(CsvError::Line(2, LineProblem::NotText)));
    }

    #[test]
    fn a_list_longer_than_a_batch_is_refused() {
        let mut file = HEADER.join(",");
        for i in 0..=MAX_BATCH_DEVICES {
            file.push_str(&format!("\n{i:013},,,,"));
        }
        assert_eq!(parse(file.as_bytes()), Err(CsvError::TooMany));
    }
}
