import Testing

@testable import StickyCore

@Suite struct CheckReportTests {
    @Test func aReportWithEverythingReachableIsUsable() {
        let report = CheckReport(
            backends: [
                CheckReport.Row(kind: .backend, name: "web1", address: "127.0.0.1:9001", latency: .microseconds(420)),
                CheckReport.Row(kind: .backend, name: "web2", address: "127.0.0.1:9002", latency: .milliseconds(12)),
            ],
            store: CheckReport.Row(kind: .store, name: "redis", address: "cache:6379/0", latency: .microseconds(1234))
        )
        #expect(report.isUsable)
        #expect(
            report.table() == """
                KIND     NAME   ADDRESS         STATUS     LATENCY  DETAIL
                backend  web1   127.0.0.1:9001  reachable  0.42 ms
                backend  web2   127.0.0.1:9002  reachable  12 ms
                store    redis  cache:6379/0    reachable  1.23 ms
                ok: 2 backend(s) and the store are reachable

                """
        )
    }

    @Test func oneUnreachableBackendMakesItUnusable() {
        let report = CheckReport(
            backends: [
                CheckReport.Row(kind: .backend, name: "web1", address: "127.0.0.1:9001", latency: .microseconds(420)),
                CheckReport.Row(kind: .backend, name: "web2", address: "127.0.0.1:9", problem: "Connection refused"),
            ],
            store: CheckReport.Row(kind: .store, name: "memory", address: "-", latency: .zero)
        )
        #expect(!report.isUsable)
        let table = report.table()
        let line = "backend  web2    127.0.0.1:9     unreachable  -        Connection refused\n"
        #expect(table.contains(line), "\(table)")
        #expect(table.hasSuffix("not ready: 1 of 2 backend(s) unreachable\n"), "\(table)")
    }

    @Test func anUnreachableStoreMakesItUnusable() {
        let report = CheckReport(
            backends: [CheckReport.Row(kind: .backend, name: "web1", address: "a:1", latency: .zero)],
            store: CheckReport.Row(kind: .store, name: "redis", address: "b:2/0", problem: "store call failed: timeout")
        )
        #expect(!report.isUsable)
        #expect(report.table().hasSuffix("not ready: the store is unreachable\n"))
    }
}
