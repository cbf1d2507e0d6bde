//! Adds a character map to a subset TrueType font, so that it can be embedded as a simple
//! (single-byte) font.
//!
//! The subsetter drops the `cmap` table (it is made for CID fonts, where the PDF maps codes
//! to glyphs). A simple, nonsymbolic TrueType font needs one inside the font program (PDF
//! 1.7 §9.6.6.4): a (3,1) Microsoft Unicode subtable, reached through the glyph names of the
//! font's /Differences (code → name → Unicode → glyph). No (1,0) Macintosh subtable: the
//! spec's rule for nonsymbolic fonts with a (3,1) table does not use it, and a second path
//! to the glyphs is one more way for a reader to pick a different one. Table layout:
//! OpenType 1.9 `cmap` format 4; the table directory and checksums: OpenType "Font file".

/// One character of a simple font: its byte code, its glyph in the subset font and the
/// character it shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Mapping {
    pub code: u8,
    pub gid: u16,
    pub ch: char,
}

/// The font with its `cmap` replaced by one built from `mappings`.
pub(crate) fn with_cmap(font: &[u8], mappings: &[Mapping]) -> Result<Vec<u8>, String> {
    let tables = read_tables(font)?;
    let mut out: Vec<([u8; 4], Vec<u8>)> = tables
        .into_iter()
        .filter(|(tag, _)| tag != b"cmap")
        .map(|(tag, data)| (tag, data.to_vec()))
        .collect();
    out.push((*b"cmap", cmap(mappings)));
    out.sort_by_key(|(tag, _)| *tag);
    let version = font.get(0..4).ok_or("font too short")?;
    Ok(write_font(version, out))
}

/// A table's tag and bytes.
type Table<'a> = ([u8; 4], &'a [u8]);

/// The table records of an sfnt file, bounds-checked.
fn read_tables(font: &[u8]) -> Result<Vec<Table<'_>>, String> {
    let u16_at = |at: usize| -> Result<u16, String> {
        font.get(at..at + 2)
            .map(|b| u16::from_be_bytes([b[0], b[1]]))
            .ok_or_else(|| format!("font truncated at {at}"))
    };
    let u32_at = |at: usize| -> Result<u32, String> {
        font.get(at..at + 4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
            .ok_or_else(|| format!("font truncated at {at}"))
    };
    let count = usize::from(u16_at(4)?);
    let mut tables = Vec::with_capacity(count);
    for i in 0..count {
        let rec = 12 + 16 * i;
        let tag: [u8; 4] = font
            .get(rec..rec + 4)
            .and_then(|t| t.try_into().ok())
            .ok_or("font table directory truncated")?;
        let offset = u32_at(rec + 8)? as usize;
        let len = u32_at(rec + 12)? as usize;
        let data = offset
            .checked_add(len)
            .and_then(|end| font.get(offset..end))
            .ok_or_else(|| format!("font table {} out of bounds", String::from_utf8_lossy(&tag)))?;
        tables.push((tag, data));
    }
    Ok(tables)
}

fn checksum(data: &[u8]) -> u32 {
    data.chunks(4).fold(0u32, |sum, c| {
        let mut b = [0u8; 4];
        b[..c.len()].copy_from_slice(c);
        sum.wrapping_add(u32::from_be_bytes(b))
    })
}

fn write_font(version: &[u8], mut tables: Vec<([u8; 4], Vec<u8>)>) -> Vec<u8> {
    let count = tables.len() as u16;
    let selector = if count == 0 {
        0
    } else {
        15 - count.leading_zeros() as u16
    };
    let search = (1u16 << selector) * 16;
    let mut out = Vec::new();
    out.extend_from_slice(version);
    for v in [count, search, selector, count * 16 - search] {
        out.extend_from_slice(&v.to_be_bytes());
    }
    let mut offset = 12 + 16 * tables.len();
    let mut head_at = None;
    for (tag, data) in &mut tables {
        if tag == b"head" {
            // checkSumAdjustment is computed over the font with this field zero.
            if let Some(f) = data.get_mut(8..12) {
                f.fill(0);
                head_at = Some(offset + 8);
            }
        }
        out.extend_from_slice(tag);
        out.extend_from_slice(&checksum(data).to_be_bytes());
        out.extend_from_slice(&(offset as u32).to_be_bytes());
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        offset += data.len().next_multiple_of(4);
    }
    for (_, data) in &tables {
        out.extend_from_slice(data);
        out.resize(out.len().next_multiple_of(4), 0);
    }
    if let Some(at) = head_at {
        let adjust = 0xB1B0_AFBAu32.wrapping_sub(checksum(&out));
        if let Some(f) = out.get_mut(at..at + 4) {
            f.copy_from_slice(&adjust.to_be_bytes());
        }
    }
    out
}

fn push16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_be_bytes());
}

/// `cmap` with one (3,1) format 4 subtable: BMP character → glyph, one segment per
/// character (a font instance has at most 255).
fn cmap(mappings: &[Mapping]) -> Vec<u8> {
    let mut bmp: Vec<(u16, u16)> = mappings
        .iter()
        .filter_map(|m| u16::try_from(u32::from(m.ch)).ok().map(|c| (c, m.gid)))
        .filter(|&(c, _)| c != 0xFFFF)
        .collect();
    bmp.sort_unstable();
    bmp.dedup_by_key(|(c, _)| *c);
    // Segments: one per character, then the required final 0xFFFF segment.
    let seg_count = (bmp.len() + 1) as u16;
    let selector = 15 - seg_count.leading_zeros() as u16;
    let search = 2 * (1u16 << selector);
    let mut win = Vec::new();
    push16(&mut win, 4);
    push16(&mut win, 16 + 8 * seg_count);
    push16(&mut win, 0); // language
    push16(&mut win, 2 * seg_count);
    push16(&mut win, search);
    push16(&mut win, selector);
    push16(&mut win, 2 * seg_count - search);
    for &(c, _) in &bmp {
        push16(&mut win, c); // endCode
    }
    push16(&mut win, 0xFFFF);
    push16(&mut win, 0); // reservedPad
    for &(c, _) in &bmp {
        push16(&mut win, c); // startCode
    }
    push16(&mut win, 0xFFFF);
    for &(c, g) in &bmp {
        push16(&mut win, g.wrapping_sub(c)); // idDelta: glyph = (c + delta) mod 65536
    }
    push16(&mut win, 1);
    for _ in 0..seg_count {
        push16(&mut win, 0); // idRangeOffset
    }

    let mut out = Vec::new();
    push16(&mut out, 0); // version
    push16(&mut out, 1); // one subtable, right after the 12 bytes of header and record
    push16(&mut out, 3);
    push16(&mut out, 1);
    out.extend_from_slice(&12u32.to_be_bytes());
    out.extend_from_slice(&win);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dejavu() -> Vec<u8> {
        let fonts = crate::Fonts::system().unwrap();
        fonts.regular.bytes().to_vec()
    }

    #[test]
    fn the_cmap_maps_codes_and_characters_to_the_glyphs() {
        let font = dejavu();
        let maps = [
            Mapping {
                code: 1,
                gid: 7,
                ch: 'Ệ',
            },
            Mapping {
                code: 2,
                gid: 3,
                ch: 'a',
            },
            Mapping {
                code: 3,
                gid: 9,
                ch: 'đ',
            },
        ];
        let out = with_cmap(&font, &maps).unwrap();
        let face = ttf_parser::Face::parse(&out, 0).unwrap();
        let tables = face.tables().cmap.unwrap();
        assert_eq!(tables.subtables.len(), 1);
        let win = tables.subtables.get(0).unwrap();
        assert_eq!(win.platform_id, ttf_parser::PlatformId::Windows);
        assert_eq!(win.encoding_id, 1);
        for m in maps {
            assert_eq!(win.glyph_index(u32::from(m.ch)).unwrap().0, m.gid);
        }
        assert_eq!(win.glyph_index(u32::from('b')), None);
        // The other tables are carried over and the checksum adjustment holds.
        assert!(face.tables().glyf.is_some());
        assert_eq!(checksum(&out), 0xB1B0_AFBA);
    }

    #[test]
    fn damaged_fonts_are_errors() {
        let m = [Mapping {
            code: 1,
            gid: 1,
            ch: 'a',
        }];
        assert!(with_cmap(&[], &m).is_err());
        assert!(with_cmap(&[0, 1, 0, 0, 0, 9], &m).is_err());
        let mut font = dejavu();
        font.truncate(200);
        assert!(with_cmap(&font, &m).is_err());
    }
}
