/// The samples of a Prometheus text exposition (`/metrics`), parsed just enough for the tests.
struct PrometheusScrape {
    struct Sample {
        let name: String
        let labels: [String: String]
        let value: Double
    }

    let samples: [Sample]
    let text: String

    init(_ text: String) throws {
        self.text = text
        var samples: [Sample] = []
        for line in text.split(separator: "\n") where !line.hasPrefix("#") && !line.isEmpty {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
                throw TestFailure("not a sample line: \(line)")
            }
            let series = line[..<space]
            guard let brace = series.firstIndex(of: "{") else {
                samples.append(Sample(name: String(series), labels: [:], value: value))
                continue
            }
            guard series.last == "}" else { throw TestFailure("not a sample line: \(line)") }
            var labels: [String: String] = [:]
            var rest = series[series.index(after: brace)..<series.index(before: series.endIndex)]
            while !rest.isEmpty {
                guard let equals = rest.firstIndex(of: "="), rest[rest.index(after: equals)] == "\"" else {
                    throw TestFailure("bad labels in: \(line)")
                }
                let key = String(rest[..<equals])
                var index = rest.index(equals, offsetBy: 2)
                var labelValue = ""
                while index < rest.endIndex, rest[index] != "\"" {
                    if rest[index] == "\\" { index = rest.index(after: index) }
                    labelValue.append(rest[index])
                    index = rest.index(after: index)
                }
                labels[key] = labelValue
                rest = rest[rest.index(after: index)...]
                if rest.first == "," { rest = rest.dropFirst() }
            }
            samples.append(Sample(name: String(series[..<brace]), labels: labels, value: value))
        }
        self.samples = samples
    }

    /// The samples of `name` whose labels include `labels`.
    func samples(_ name: String, _ labels: [String: String] = [:]) -> [Sample] {
        self.samples.filter { sample in
            sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value }
        }
    }

    /// The sum of the samples of `name` whose labels include `labels`; `nil` when there is none.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        let matching = self.samples(name, labels)
        return matching.isEmpty ? nil : matching.reduce(0) { $0 + $1.value }
    }
}
