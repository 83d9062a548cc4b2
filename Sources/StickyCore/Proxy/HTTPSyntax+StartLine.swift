extension HTTPSyntax {
    // MARK: Status lines

    /// A status line that was read whole.
    struct StatusLine {
        var status: Int
        var minorVersion: Int
        var reasonStart: Int
        var reasonEnd: Int
        /// Where the next line starts.
        var next: Int
    }

    /// What scanning a status line found.
    enum StatusLineScan {
        case complete(StatusLine)
        case incomplete
        case malformed
    }

    /// Scans the status line at offset 0 from where `line` stopped: `HTTP/1.0` or `HTTP/1.1`, SP, three digits
    /// (the first 1–9), then CRLF or SP, reason, CRLF. A wrong byte is found as soon as it is there.
    static func statusLine(
        _ bytes: UnsafeRawBufferPointer,
        end: Int,
        _ line: inout LineProgress
    ) -> StatusLineScan {
        // Offsets 0...6: "HTTP/1."; 7: the minor version; 8: SP; 9...11: the status; 12: CR or SP.
        if line.phase == .start {
            let prefix: StaticString = "HTTP/1."
            let prefixBytes = prefix.utf8Start
            var index = 0
            while index < 13 {
                guard index < end else {
                    return .incomplete
                }
                let byte = bytes[index]
                let fits: Bool
                switch index {
                case 0..<7: fits = byte == prefixBytes[index]
                case 7: fits = byte == UInt8(ascii: "0") || byte == UInt8(ascii: "1")
                case 8: fits = byte == Self.space
                case 9: fits = byte >= UInt8(ascii: "1") && byte <= UInt8(ascii: "9")
                case 10, 11: fits = byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
                default: fits = byte == Self.cr || byte == Self.space
                }
                guard fits else {
                    return .malformed
                }
                index += 1
            }
            if bytes[12] == Self.cr {
                line.valueStart = 12
                line.valueEnd = 12
                line.index = 13
                line.phase = .lineFeed
            } else {
                line.valueStart = 13
                line.index = 13
                line.phase = .value
            }
        }
        if line.phase == .value {
            var index = line.index
            while true {
                guard index < end else {
                    line.index = index
                    return .incomplete
                }
                let byte = bytes[index]
                if byte == Self.cr {
                    break
                }
                guard Self.isTextByte(byte) else {
                    return .malformed
                }
                index += 1
            }
            line.valueEnd = index
            line.index = index + 1
            line.phase = .lineFeed
        }
        guard line.index < end else {
            return .incomplete
        }
        guard bytes[line.index] == Self.lf else {
            return .malformed
        }
        let status =
            Int(bytes[9] &- UInt8(ascii: "0")) * 100 + Int(bytes[10] &- UInt8(ascii: "0")) * 10
            + Int(bytes[11] &- UInt8(ascii: "0"))
        return .complete(
            StatusLine(
                status: status,
                minorVersion: Int(bytes[7] &- UInt8(ascii: "0")),
                reasonStart: line.valueStart,
                reasonEnd: line.valueEnd,
                next: line.index + 1
            )
        )
    }

    // MARK: Request lines

    /// Where the scan of a request line stands, so that a line cut short by the end of a read resumes where it
    /// stopped. Offsets are from the line's first byte.
    struct RequestLineProgress {
        /// What the byte at `index` may be.
        enum Phase {
            /// In the method: more of it, or the SP after it.
            case method
            /// In the target: more of it, or the SP after it.
            case target
            /// In `HTTP/d.d`, or the CR after it.
            case version
            /// After the line's CR: its LF.
            case lineFeed
        }

        var phase = Phase.method
        /// The next byte to look at.
        var index = 0
        /// The SP after the method, once past it.
        var methodEnd = 0
        /// The SP after the target, once past it.
        var targetEnd = 0

        /// Whether a byte of the line was scanned.
        var hasBegun: Bool { self.index > 0 }
    }

    /// A request line that was read whole.
    struct RequestLine {
        /// The method is `0..<methodEnd`.
        var methodEnd: Int
        var targetStart: Int
        var targetEnd: Int
        var majorVersion: Int
        var minorVersion: Int
        /// Where the next line starts.
        var next: Int
    }

    /// What scanning a request line found.
    enum RequestLineScan {
        case complete(RequestLine)
        case incomplete
        case malformed
        /// The target is longer than allowed (found as soon as its first byte too many is there).
        case targetTooLong
    }

    /// Scans the request line at offset 0 from where `line` stopped (RFC 9112 §3): a token, SP, a target of 1 to
    /// `maxTargetBytes` VCHAR/obs-text bytes, SP, `HTTP/` DIGIT `.` DIGIT, CRLF. Exactly one SP between the parts; a
    /// wrong byte is found as soon as it is there.
    static func requestLine(
        _ bytes: UnsafeRawBufferPointer,
        end: Int,
        maxTargetBytes: Int,
        _ line: inout RequestLineProgress
    ) -> RequestLineScan {
        var index = line.index
        if line.phase == .method {
            while true {
                guard index < end else {
                    line.index = index
                    return .incomplete
                }
                let byte = bytes[index]
                if Self.isTokenByte(byte) {
                    index += 1
                    continue
                }
                guard byte == Self.space && index > 0 else {
                    return .malformed
                }
                line.methodEnd = index
                index += 1
                line.phase = .target
                break
            }
        }
        if line.phase == .target {
            let targetStart = line.methodEnd + 1
            let targetLimit = targetStart + maxTargetBytes
            while true {
                guard index < end else {
                    line.index = index
                    return .incomplete
                }
                let byte = bytes[index]
                if Self.isTargetByte(byte) {
                    index += 1
                    if index > targetLimit {
                        return .targetTooLong
                    }
                    continue
                }
                guard byte == Self.space && index > targetStart else {
                    return .malformed
                }
                line.targetEnd = index
                index += 1
                line.phase = .version
                break
            }
        }
        if line.phase == .version {
            // Offsets from the version's first byte: 0...4 "HTTP/", 5 a digit, 6 ".", 7 a digit, 8 CR.
            let versionStart = line.targetEnd + 1
            let prefix: StaticString = "HTTP/"
            let prefixBytes = prefix.utf8Start
            while true {
                guard index < end else {
                    line.index = index
                    return .incomplete
                }
                let byte = bytes[index]
                let offset = index - versionStart
                let fits: Bool
                switch offset {
                case 0..<5: fits = byte == prefixBytes[offset]
                case 5, 7: fits = byte &- UInt8(ascii: "0") < 10
                case 6: fits = byte == UInt8(ascii: ".")
                default: fits = byte == Self.cr
                }
                guard fits else {
                    return .malformed
                }
                index += 1
                if offset == 8 {
                    line.phase = .lineFeed
                    break
                }
            }
        }
        // At the LF after the line's CR.
        guard index < end else {
            line.index = index
            return .incomplete
        }
        guard bytes[index] == Self.lf else {
            return .malformed
        }
        let versionStart = line.targetEnd + 1
        return .complete(
            RequestLine(
                methodEnd: line.methodEnd,
                targetStart: line.methodEnd + 1,
                targetEnd: line.targetEnd,
                majorVersion: Int(bytes[versionStart + 5] &- UInt8(ascii: "0")),
                minorVersion: Int(bytes[versionStart + 7] &- UInt8(ascii: "0")),
                next: index + 1
            )
        )
    }
}
