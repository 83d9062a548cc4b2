import Foundation

extension ScriptedBackend {
    /// One step of a scripted answer.
    enum Step: Sendable {
        /// These bytes, in one send.
        case send([UInt8])
        /// Nothing for a while, so that what came before reaches the proxy in a read of its own.
        case pause(milliseconds: Int)
        /// The end of the connection: a half-close, then a close once the proxy has closed its end (or after 10 s).
        /// Steps after it are not played, and the connection serves no further request.
        case close

        static func send(_ text: String) -> Step {
            .send(Array(text.utf8))
        }

        /// `bytes` in pieces of `size` bytes (the last may be shorter), with a pause of `pauseMilliseconds` after
        /// every piece but the last.
        static func pieces(of bytes: [UInt8], size: Int, pauseMilliseconds: Int) -> [Step] {
            precondition(size > 0)
            var steps: [Step] = []
            var start = 0
            while start < bytes.count {
                let end = min(start + size, bytes.count)
                if start > 0, pauseMilliseconds > 0 { steps.append(.pause(milliseconds: pauseMilliseconds)) }
                steps.append(.send(Array(bytes[start..<end])))
                start = end
            }
            return steps
        }

        static func pieces(of text: String, size: Int, pauseMilliseconds: Int) -> [Step] {
            self.pieces(of: Array(text.utf8), size: size, pauseMilliseconds: pauseMilliseconds)
        }
    }
}
