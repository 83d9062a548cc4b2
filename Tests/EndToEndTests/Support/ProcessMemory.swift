import Foundation

/// Reads a process's memory figures from `/proc/<pid>/status` (Linux).
enum ProcessMemory {
    /// Peak resident set size (`VmHWM`) in bytes.
    static func peakResidentBytes(pid: Int32) throws -> Int {
        try self.field("VmHWM", pid: pid)
    }

    /// Current resident set size (`VmRSS`) in bytes.
    static func residentBytes(pid: Int32) throws -> Int {
        try self.field("VmRSS", pid: pid)
    }

    private static func field(_ name: String, pid: Int32) throws -> Int {
        let path = "/proc/\(pid)/status"
        guard let status = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw TestFailure("cannot read \(path)")
        }
        for line in status.split(separator: "\n") where line.hasPrefix(name + ":") {
            // "VmHWM:	   12345 kB"
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if fields.count >= 3, let kibibytes = Int(fields[1]), fields[2] == "kB" {
                return kibibytes * 1024
            }
        }
        throw TestFailure("no \(name) in \(path)")
    }
}
