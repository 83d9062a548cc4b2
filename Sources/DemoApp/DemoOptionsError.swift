/// Why the command line of `demo-app` was rejected.
enum DemoOptionsError: Error, Equatable, CustomStringConvertible {
    case missingOption(String)
    case missingValue(String)
    case invalidValue(String, String)
    case unknownArgument(String)
    case helpRequested

    var description: String {
        switch self {
        case .missingOption(let flag): "missing required option \(flag)"
        case .missingValue(let flag): "option \(flag) needs a value"
        case .invalidValue(let flag, let value): "invalid value for \(flag): \"\(value)\""
        case .unknownArgument(let argument): "unknown argument \"\(argument)\""
        case .helpRequested: DemoOptions.usage
        }
    }
}
