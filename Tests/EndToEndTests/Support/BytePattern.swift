/// The byte pattern of generated bodies, shared with the demo app's `/download`: byte `i` is `i % 251`.
///
/// 251 is prime, so a body shifted, truncated or spliced by a buggy proxy no longer matches at the sampled offsets.
enum BytePattern {
    static let period = 251

    /// 251 × 1024 bytes of the pattern, starting at offset 0; a body is a repetition of this.
    static let chunk: [UInt8] = (0..<(251 * 1024)).map { UInt8($0 % 251) }

    /// The byte at `offset` of a pattern body.
    static func byte(at offset: Int) -> UInt8 {
        UInt8(offset % self.period)
    }
}
