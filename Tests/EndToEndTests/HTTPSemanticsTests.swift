import Foundation
import Testing

/// HTTP/1.1 as a proxy must carry it: framing, interim responses, pipelining, header rewriting, gateway errors.
@Suite("proxy: HTTP semantics")
struct HTTPSemanticsTests {
    @Test("HEAD, 204 and 304 carry no body, and the connection stays usable")
    func bodilessResponses() throws {
        let cluster = try TestCluster.withProxy(label: "bodiless", backendCount: 1)
        defer { cluster.stop() }
        let client = cluster.proxyClient()

        let head = try client.request("HEAD", "/download?bytes=1000")
        #expect(head.status == 200)
        #expect(head.header("Content-Length") == "1000")
        #expect(head.bodyCount == 0)
        for code in [204, 304] {
            let response = try client.get("/status?code=\(code)")
            #expect(response.status == code)
            #expect(response.bodyCount == 0)
        }
        let after = try client.get("/")
        #expect(after.status == 200)
        #expect(after.text.hasPrefix("web1 visits="))
        #expect(client.connectionsOpened == 1, "every response kept the client connection")
    }

    @Test("chunked bodies stream both ways")
    func chunkedBothWays() throws {
        let cluster = try TestCluster.withProxy(label: "chunked", backendCount: 1)
        defer { cluster.stop() }
        let client = cluster.proxyClient()

        let upload = try client.request("POST", "/upload", body: .generated(count: 3_000_017, chunked: true))
        #expect(upload.status == 200)
        #expect(upload.text == "bytes=3000017\n")

        let download = try client.get("/chunked?chunks=500")
        #expect(download.status == 200)
        #expect(download.wasChunked)
        #expect(download.text.split(separator: "\n").count == 500)
        #expect(download.text.hasSuffix("web1 chunk 500/500\n"))
    }

    @Test("Expect: 100-continue gets a 100 before the body is sent")
    func expectContinue() throws {
        let cluster = try TestCluster.withProxy(label: "expect", backendCount: 1)
        defer { cluster.stop() }
        let connection = BufferedSocket(try TCPSocket(port: cluster.proxyPort))
        defer { connection.close() }

        try connection.send(
            "POST /upload HTTP/1.1\r\nHost: app\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"
        )
        let interim = try #require(try connection.readLine())
        #expect(interim.hasPrefix("HTTP/1.1 100"), "got \(interim.debugDescription)")
        #expect(try connection.readLine() == "")
        try connection.send("hello")
        var response = try #require(try HTTPResponseReader.readHead(from: connection))
        _ = try HTTPResponseReader.readBody(of: &response, method: "POST", from: connection, sink: nil)
        #expect(response.status == 200)
        #expect(response.text == "bytes=5\n")
    }

    @Test("pipelined requests are answered in order")
    func pipelining() throws {
        let cluster = try TestCluster.withProxy(label: "pipelining", backendCount: 2)
        defer { cluster.stop() }
        let connection = BufferedSocket(try TCPSocket(port: cluster.proxyPort))
        defer { connection.close() }

        // The first answer is the slowest: the others must still come after it.
        let targets = ["/slow?ms=300", "/status?code=201", "/status?code=202", "/echo"]
        try connection.send(targets.map { "GET \($0) HTTP/1.1\r\nHost: app\r\n\r\n" }.joined())
        var statuses: [Int] = []
        var bodies: [String] = []
        for _ in targets {
            var response = try #require(try HTTPResponseReader.readHead(from: connection))
            _ = try HTTPResponseReader.readBody(of: &response, method: "GET", from: connection, sink: nil)
            statuses.append(response.status)
            bodies.append(response.text)
        }
        #expect(statuses == [200, 201, 202, 200])
        #expect(bodies[0].contains("slept 300 ms"))
        #expect(bodies[3].hasPrefix("GET /echo HTTP/1.1\n"))
    }

    @Test("hop-by-hop headers are removed and X-Forwarded-* appended")
    func headerRewriting() throws {
        let cluster = try TestCluster.withProxy(label: "headers", backendCount: 1)
        defer { cluster.stop() }
        let client = cluster.proxyClient()

        let response = try client.get(
            "/echo",
            headers: [
                ("Connection", "keep-alive, X-Hop"), ("X-Hop", "secret"), ("Keep-Alive", "timeout=5"),
                ("TE", "trailers"), ("X-Forwarded-For", "203.0.113.7"), ("X-Kept", "yes"),
            ]
        )
        #expect(response.status == 200)
        let lines = Set(response.text.lowercased().split(separator: "\n").map(String.init))
        #expect(!lines.contains { $0.hasPrefix("x-hop:") })
        #expect(!lines.contains { $0.hasPrefix("keep-alive:") })
        #expect(!lines.contains { $0.hasPrefix("te:") })
        #expect(lines.contains("x-kept: yes"))
        #expect(lines.contains("x-forwarded-for: 203.0.113.7, 127.0.0.1"))
        #expect(lines.contains("x-forwarded-proto: http"))
        #expect(lines.contains { $0.hasPrefix("x-forwarded-host: 127.0.0.1:") })
    }

    @Test("no reachable backend gives 502, a silent one 504")
    func gatewayErrors() throws {
        let cluster = try TestCluster(label: "gateway", backendCount: 1)
        defer { cluster.stop() }
        let closedPort = try FreePort.next()
        try cluster.startProxy(environment: [
            "STICKY_BACKENDS": "gone=127.0.0.1:\(closedPort)",
            "STICKY_UPSTREAM_TIMEOUT": "0.5",
        ])
        let unreachable = try cluster.proxyClient().get("/")
        #expect(unreachable.status == 502)
        cluster.stop()

        let slow = try TestCluster.withProxy(
            label: "gateway-timeout",
            backendCount: 1,
            environment: ["STICKY_UPSTREAM_TIMEOUT": "0.5"]
        )
        defer { slow.stop() }
        let client = slow.proxyClient()
        let timedOut = try client.get("/slow?ms=3000")
        #expect(timedOut.status == 504)
        let next = try client.get("/")
        #expect(next.status == 200, "the proxy still serves after a 504")
    }
}
