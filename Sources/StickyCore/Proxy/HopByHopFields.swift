/// Which field lines of a parsed head are hop-by-hop (RFC 9110 §7.6.1), as its parser found them while it classified
/// each name, so that the head is forwarded without them by copying the other lines as they came
/// (``HeaderRewriter/writeFieldLines(_:of:block:dropping:into:)``): no name is classified twice, and the head is
/// still one `ByteBuffer` write.
struct HopByHopFields {
    /// Bit `i`: field `i` is hop-by-hop by its name (the first 64 fields).
    private var marks: UInt64 = 0
    /// Whether a hop-by-hop field comes after the 64th.
    private var beyondMarks = false
    /// Whether any field is hop-by-hop by its name.
    var any: Bool { self.marks != 0 || self.beyondMarks }
    /// Whether a `Connection` header lists a name other than `close`, `keep-alive` and `upgrade`: the fields of that
    /// name are hop-by-hop too, which their names alone do not tell.
    var connectionListsOthers = false

    /// Field `index` is hop-by-hop by its name.
    mutating func mark(_ index: Int) {
        if index < UInt64.bitWidth {
            self.marks |= 1 << UInt64(index)
        } else {
            self.beyondMarks = true
        }
    }

    /// Whether field `index` is marked.
    func contains(_ index: Int) -> Bool {
        index < UInt64.bitWidth && self.marks & (1 << UInt64(index)) != 0
    }

    /// Whether the marks are all there is to drop: no `Connection` header names another field, and every hop-by-hop
    /// field is among the first 64.
    var marksAreComplete: Bool { !self.connectionListsOthers && !self.beyondMarks }
}
