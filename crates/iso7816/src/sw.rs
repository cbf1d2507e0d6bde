//! Status words, ISO/IEC 7816-4 §5.6.

use std::fmt;

/// The two trailer bytes SW1-SW2 of a response APDU.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct StatusWord(pub u16);

impl StatusWord {
    pub const SUCCESS: StatusWord = StatusWord(0x9000);
    pub const WRONG_LENGTH: StatusWord = StatusWord(0x6700);
    pub const SECURITY_STATUS_NOT_SATISFIED: StatusWord = StatusWord(0x6982);
    pub const AUTHENTICATION_METHOD_BLOCKED: StatusWord = StatusWord(0x6983);
    pub const REFERENCE_DATA_NOT_USABLE: StatusWord = StatusWord(0x6984);
    pub const CONDITIONS_NOT_SATISFIED: StatusWord = StatusWord(0x6985);
    pub const COMMAND_NOT_ALLOWED: StatusWord = StatusWord(0x6986);
    pub const SM_DATA_OBJECTS_MISSING: StatusWord = StatusWord(0x6987);
    pub const SM_DATA_OBJECTS_INCORRECT: StatusWord = StatusWord(0x6988);
    pub const WRONG_DATA: StatusWord = StatusWord(0x6A80);
    pub const FUNCTION_NOT_SUPPORTED: StatusWord = StatusWord(0x6A81);
    pub const FILE_NOT_FOUND: StatusWord = StatusWord(0x6A82);
    pub const NOT_ENOUGH_MEMORY: StatusWord = StatusWord(0x6A84);
    pub const INCORRECT_P1P2: StatusWord = StatusWord(0x6A86);
    pub const FILE_EXISTS: StatusWord = StatusWord(0x6A89);
    pub const WRONG_P1P2: StatusWord = StatusWord(0x6B00);
    pub const INS_NOT_SUPPORTED: StatusWord = StatusWord(0x6D00);
    pub const CLA_NOT_SUPPORTED: StatusWord = StatusWord(0x6E00);
    pub const NO_PRECISE_DIAGNOSIS: StatusWord = StatusWord(0x6F00);
    pub const END_OF_FILE: StatusWord = StatusWord(0x6282);
    pub const MEMORY_FAILURE: StatusWord = StatusWord(0x6581);

    pub fn new(sw1: u8, sw2: u8) -> Self {
        StatusWord(u16::from_be_bytes([sw1, sw2]))
    }
    pub fn sw1(self) -> u8 {
        (self.0 >> 8) as u8
    }
    pub fn sw2(self) -> u8 {
        self.0 as u8
    }
    pub fn to_bytes(self) -> [u8; 2] {
        self.0.to_be_bytes()
    }
    /// 9000, or 61xx (more data available, §5.1.3) — the processing completed.
    pub fn is_success(self) -> bool {
        self == Self::SUCCESS
    }
    /// 61xx: response bytes still available, fetch with GET RESPONSE (T=0 case 2/4).
    pub fn bytes_available(self) -> Option<usize> {
        (self.sw1() == 0x61).then(|| {
            if self.sw2() == 0 {
                256
            } else {
                self.sw2() as usize
            }
        })
    }
    /// 6Cxx: wrong Le; the card says how many bytes it has (§5.6, T=0).
    pub fn exact_length(self) -> Option<usize> {
        (self.sw1() == 0x6C).then(|| {
            if self.sw2() == 0 {
                256
            } else {
                self.sw2() as usize
            }
        })
    }
    /// 62xx / 63xx warnings: processing completed with a warning; data may be present.
    pub fn is_warning(self) -> bool {
        matches!(self.sw1(), 0x62 | 0x63)
    }

    /// Short meaning of the status word, in English (ISO/IEC 7816-4 Table 6).
    pub fn meaning_en(self) -> &'static str {
        match self.0 {
            0x9000 => "success",
            0x6282 => "end of file reached before Le bytes",
            0x6581 => "memory failure",
            0x6700 => "wrong length",
            0x6881 => "logical channel not supported",
            0x6882 => "secure messaging not supported",
            0x6982 => "security status not satisfied",
            0x6983 => "authentication method blocked",
            0x6984 => "reference data not usable",
            0x6985 => "conditions of use not satisfied",
            0x6986 => "command not allowed (no current EF)",
            0x6987 => "expected secure messaging data objects missing",
            0x6988 => "incorrect secure messaging data objects",
            0x6A80 => "incorrect parameters in the command data field",
            0x6A81 => "function not supported",
            0x6A82 => "file or application not found",
            0x6A84 => "not enough memory space in the file",
            0x6A86 => "incorrect parameters P1-P2",
            0x6A88 => "referenced data not found",
            0x6A89 => "file already exists",
            0x6B00 => "wrong parameters P1-P2 (offset outside the EF)",
            0x6D00 => "instruction code not supported",
            0x6E00 => "class not supported",
            0x6F00 => "no precise diagnosis",
            _ => match self.sw1() {
                0x61 => "response bytes still available",
                0x6C => "wrong Le field",
                0x63 => "warning: non-volatile memory changed",
                0x62 => "warning: non-volatile memory unchanged",
                0x64 => "execution error: non-volatile memory unchanged",
                0x65 => "execution error: non-volatile memory changed",
                0x66 => "security-related issue",
                _ => "unknown status",
            },
        }
    }

    /// Short meaning of the status word, in Vietnamese.
    pub fn meaning_vi(self) -> &'static str {
        match self.0 {
            0x9000 => "thành công",
            0x6282 => "đã hết tệp trước khi đọc đủ Le byte",
            0x6581 => "lỗi bộ nhớ",
            0x6700 => "sai độ dài",
            0x6881 => "không hỗ trợ kênh logic",
            0x6882 => "không hỗ trợ truyền tin bảo mật",
            0x6982 => "chưa thỏa điều kiện bảo mật",
            0x6983 => "phương thức xác thực đã bị khóa",
            0x6984 => "dữ liệu tham chiếu không dùng được",
            0x6985 => "không thỏa điều kiện sử dụng",
            0x6986 => "lệnh không được phép (chưa chọn tệp)",
            0x6987 => "thiếu đối tượng dữ liệu truyền tin bảo mật",
            0x6988 => "đối tượng dữ liệu truyền tin bảo mật không đúng",
            0x6A80 => "tham số sai trong trường dữ liệu",
            0x6A81 => "chức năng không được hỗ trợ",
            0x6A82 => "không tìm thấy tệp hoặc ứng dụng",
            0x6A84 => "không đủ bộ nhớ trong tệp",
            0x6A86 => "tham số P1-P2 không đúng",
            0x6A88 => "không tìm thấy dữ liệu tham chiếu",
            0x6A89 => "tệp đã tồn tại",
            0x6B00 => "tham số P1-P2 sai (vị trí ngoài tệp)",
            0x6D00 => "mã lệnh không được hỗ trợ",
            0x6E00 => "lớp lệnh không được hỗ trợ",
            0x6F00 => "lỗi không xác định",
            _ => match self.sw1() {
                0x61 => "còn dữ liệu phản hồi",
                0x6C => "sai trường Le",
                0x62..=0x63 => "cảnh báo của thẻ",
                0x64..=0x66 => "lỗi thực thi trên thẻ",
                _ => "trạng thái không xác định",
            },
        }
    }
}

impl fmt::Debug for StatusWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SW {:04X}", self.0)
    }
}

impl fmt::Display for StatusWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04X} ({})", self.0, self.meaning_en())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_and_classifies() {
        let sw = StatusWord::new(0x61, 0x10);
        assert_eq!(sw.bytes_available(), Some(16));
        assert_eq!(StatusWord::new(0x61, 0).bytes_available(), Some(256));
        assert_eq!(StatusWord::new(0x6C, 0x04).exact_length(), Some(4));
        assert_eq!(StatusWord::SUCCESS.to_bytes(), [0x90, 0x00]);
        assert!(StatusWord::END_OF_FILE.is_warning());
        assert_eq!(
            StatusWord(0x6982).meaning_en(),
            "security status not satisfied"
        );
        assert_eq!(
            format!("{}", StatusWord(0x6A82)),
            "6A82 (file or application not found)"
        );
    }
}
