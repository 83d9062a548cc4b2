extension HTTPSyntax {
    /// Where the scan of one line stands, so that a line cut short by the end of a read resumes where it stopped
    /// and no byte is looked at twice. Offsets are from the buffer's reader index.
    struct LineProgress {
        /// What the byte at `index` may be.
        enum Phase {
            /// The line's first byte: CR of the blank line, or a field name's first byte. (For a status line: its
            /// fixed part, `HTTP/1.x NNN`, which is scanned again from the start if it was cut short.)
            case start
            /// After a blank line's CR: its LF.
            case blankLineFeed
            /// In a field name: more of it, or the colon.
            case name
            /// After the colon: SP/HTAB before the value.
            case beforeValue
            /// In the value (or reason phrase): more of it, or CR.
            case value
            /// After the line's CR: its LF.
            case lineFeed
        }

        var phase = Phase.start
        /// Where the line starts.
        var lineStart: Int
        /// The next byte to look at.
        var index: Int
        /// The colon's offset, once past it.
        var nameEnd = 0
        /// Where the value (or reason phrase) starts, once past the colon's whitespace.
        var valueStart = 0
        /// Where the value so far ends without trailing SP/HTAB (for a reason phrase: where the CR is).
        var valueEnd = 0

        /// A line starting at `offset`, not scanned yet.
        init(at offset: Int) {
            self.lineStart = offset
            self.index = offset
        }
    }

    /// What scanning a field line found.
    enum FieldLineScan {
        /// A field line, and where the next line starts.
        case field(HTTPFieldOffsets, next: Int)
        /// The blank line that ends the section, and where the bytes after it start.
        case blank(next: Int)
        case incomplete
        case malformed
        /// The name and the value together are longer than allowed (found as soon as the byte that makes them so
        /// is there; trailing SP/HTAB counts only once something follows it).
        case tooLarge
    }

    /// Scans a field line from where `line` stopped: a token, a colon right after it, a value of text bytes
    /// (trimmed of SP/HTAB), CRLF; or just CRLF. A line starting with SP/HTAB (obs-fold), a bare CR or LF, or any
    /// other byte out of place is malformed as soon as it is there; a name and value over `maxNameValueBytes`
    /// together are too large as soon as that is known.
    @inline(__always)
    static func fieldLine(
        _ bytes: UnsafeRawBufferPointer,
        end: Int,
        maxNameValueBytes: Int,
        _ line: inout LineProgress
    ) -> FieldLineScan {
        var index = line.index
        var phase = line.phase
        var valueEnd = line.valueEnd
        if phase == .start {
            guard index < end else {
                return .incomplete
            }
            let byte = bytes[index]
            if byte == Self.cr {
                phase = .blankLineFeed
                index += 1
            } else if Self.isTokenByte(byte) {
                // The name loop takes this byte.
                phase = .name
            } else {
                return .malformed
            }
        }
        if phase == .blankLineFeed {
            guard index < end else {
                line.index = index
                line.phase = phase
                return .incomplete
            }
            return bytes[index] == Self.lf ? .blank(next: index + 1) : .malformed
        }
        if phase == .name {
            let nameLimit = line.lineStart + maxNameValueBytes
            while true {
                guard index < end else {
                    line.index = index
                    line.phase = phase
                    return .incomplete
                }
                let byte = bytes[index]
                if Self.isTokenByte(byte) {
                    index += 1
                    if index > nameLimit {
                        return .tooLarge
                    }
                    continue
                }
                guard byte == Self.colon else {
                    return .malformed
                }
                line.nameEnd = index
                index += 1
                phase = .beforeValue
                break
            }
        }
        if phase == .beforeValue {
            while true {
                guard index < end else {
                    line.index = index
                    line.phase = phase
                    return .incomplete
                }
                guard Self.isWhitespace(bytes[index]) else {
                    break
                }
                index += 1
            }
            line.valueStart = index
            valueEnd = index
            phase = .value
        }
        if phase == .value {
            // The name took nameEnd - lineStart of the bytes allowed; the value may take the rest.
            let valueLimit = line.valueStart + maxNameValueBytes - (line.nameEnd - line.lineStart)
            while true {
                guard index < end else {
                    line.index = index
                    line.phase = phase
                    line.valueEnd = valueEnd
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
                if !Self.isWhitespace(byte) {
                    valueEnd = index
                    if valueEnd > valueLimit {
                        return .tooLarge
                    }
                }
            }
            index += 1
            phase = .lineFeed
        }
        // At the LF after the line's CR.
        guard index < end else {
            line.index = index
            line.phase = phase
            line.valueEnd = valueEnd
            return .incomplete
        }
        guard bytes[index] == Self.lf else {
            return .malformed
        }
        let field = HTTPFieldOffsets(
            nameStart: Int32(truncatingIfNeeded: line.lineStart),
            nameEnd: Int32(truncatingIfNeeded: line.nameEnd),
            valueStart: Int32(truncatingIfNeeded: line.valueStart),
            valueEnd: Int32(truncatingIfNeeded: valueEnd)
        )
        return .field(field, next: index + 1)
    }
}
