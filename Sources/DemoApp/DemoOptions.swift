/// The command line of `demo-app`: `--name web1 --port 9001 [--host 127.0.0.1] [--threads N]`.
///
/// Parsed by hand so that the demo app depends on nothing but SwiftNIO.
struct DemoOptions: Sendable, Equatable {
    /// The backend name: sent in `X-Backend` and in every body.
    var name: String
    /// The address to listen on.
    var host: String = "127.0.0.1"
    /// The port to listen on; 0 picks a free one.
    var port: Int
    /// Event loop threads; `nil` means one per core.
    var threads: Int? = nil

    static let usage = "usage: demo-app --name NAME --port PORT [--host HOST] [--threads N]"

    /// Parses the arguments that follow the program name.
    static func parse(_ arguments: [String]) throws(DemoOptionsError) -> DemoOptions {
        var name: String?
        var host = "127.0.0.1"
        var port: Int?
        var threads: Int?

        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            // Accept both `--flag value` and `--flag=value`.
            let flag: String
            var inlineValue: String?
            if argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") {
                flag = String(argument[..<equals])
                inlineValue = String(argument[argument.index(after: equals)...])
            } else {
                flag = argument
            }
            func value() throws(DemoOptionsError) -> String {
                if let inlineValue { return inlineValue }
                guard let next = iterator.next() else { throw .missingValue(flag) }
                return next
            }

            switch flag {
            case "--name":
                let value = try value()
                guard !value.isEmpty,
                    value.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) })
                else { throw .invalidValue(flag, value) }
                name = value
            case "--host":
                let value = try value()
                guard !value.isEmpty else { throw .invalidValue(flag, value) }
                host = value
            case "--port":
                let value = try value()
                guard let number = Int(value), (0...65535).contains(number) else { throw .invalidValue(flag, value) }
                port = number
            case "--threads":
                let value = try value()
                guard let number = Int(value), (1...256).contains(number) else { throw .invalidValue(flag, value) }
                threads = number
            case "-h", "--help":
                throw .helpRequested
            default:
                throw .unknownArgument(argument)
            }
        }

        guard let name else { throw .missingOption("--name") }
        guard let port else { throw .missingOption("--port") }
        return DemoOptions(name: name, host: host, port: port, threads: threads)
    }
}
