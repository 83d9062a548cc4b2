extension ClientRequestHead {
    /// The session this request carries (``SessionExtractor``), read from its `Cookie` fields where they lie in
    /// ``bytes``, with no `String` per header: only the session ID found becomes one.
    func session(_ extractor: SessionExtractor) -> SessionCookie? {
        guard self.cookieBytes > 0 || extractor.readsTarget else { return nil }
        var search = SessionExtractor.Search(extractor)
        if self.cookieBytes > 0 {
            self.bytes.withUnsafeReadableBytes { raw in
                let bytes = raw.bindMemory(to: UInt8.self)
                for field in self.fields where HTTPFieldKind(raw, Int(field.nameStart), Int(field.nameEnd)) == .cookie {
                    let value = UnsafeBufferPointer(rebasing: bytes[Int(field.valueStart)..<Int(field.valueEnd)])
                    guard search.add(header: value) else { break }
                }
            }
        }
        return search.session(target: extractor.readsTarget ? self.target : "")
    }
}
