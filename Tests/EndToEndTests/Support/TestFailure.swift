/// An error raised by the end-to-end harness, with a message that says what went wrong and where to look.
struct TestFailure: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }
}
