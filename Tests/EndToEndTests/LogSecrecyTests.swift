import Foundation
import Testing

/// No session ID and no cookie value reaches the log (at trace level with the access log on, in either format),
/// the metrics, the admin listener's backend list, or the proxy's own error answers.
@Suite("proxy: logs, metrics and errors keep secrets out")
struct LogSecrecyTests {
    @Test("trace level + access log: no session ID, cookie value, path parameter or query value in the log, the metrics or an error",
        arguments: ["text", "json"])
    func noSecretInTheLog(format: String) throws {
        let cluster = try TestCluster.withProxy(
            label: "log-secrecy-\(format)",
            environment: ["STICKY_LOG_LEVEL": "trace", "STICKY_ACCESS_LOG": "on", "STICKY_LOG_FORMAT": format]
        )
        defer { cluster.stop() }
        let proxy = try #require(cluster.proxy)
        var issued: [String] = []
        var requests = 0
        func collect(_ response: HTTPTestResponse) {
            requests += 1
            for header in response.setCookies {
                guard let cookie = SetCookie(header), !cookie.value.isEmpty else { continue }
                issued.append(cookie.value)
            }
        }

        let alice = cluster.proxyClient()
        for target in ["/", "/", "/login?max-age=60", "/", "/browser-session", "/", "/logout", "/"] {
            collect(try alice.get(target))
        }
        let bob = cluster.proxyClient()
        collect(try bob.get("/"))
        collect(try bob.get("/cart;jsessionid=SECRETJSESSION123?token=SECRETTOKEN456"))
        collect(try bob.get("/status?code=404&token=SECRETTOKEN999"))
        let anonymous = cluster.proxyClient(usesCookies: false)
        collect(try anonymous.get("/?token=SECRETTOKEN789"))
        collect(try anonymous.get("/x;jsessionid=SECRETPATHSESSION/y"))
        collect(try anonymous.get("/", headers: [("Cookie", "connect.sid=s%3AMADEUPSESSION.sig; other=VALUEOTHER")]))
        collect(try anonymous.get("/", headers: [("Cookie", "JSESSIONID=SECRETJSESSIONCOOKIE")]))

        // Every value a backend issued, and the session ID inside it (`s%3A<id>.<signature>`).
        var secrets = Set(issued)
        for value in issued {
            let unprefixed = value.hasPrefix("s%3A") ? String(value.dropFirst(4)) : value
            secrets.insert(unprefixed)
            secrets.insert("s:" + unprefixed)
            if let dot = unprefixed.lastIndex(of: ".") {
                secrets.insert(String(unprefixed[..<dot]))
                secrets.insert(String(unprefixed[unprefixed.index(after: dot)...]))
            }
        }
        secrets.formUnion([
            "SECRETJSESSION123", "SECRETTOKEN456", "SECRETTOKEN999", "SECRETTOKEN789", "SECRETPATHSESSION",
            "MADEUPSESSION", "VALUEOTHER", "SECRETJSESSIONCOOKIE", "token=", "jsessionid",
        ])
        #expect(issued.count >= 4, "the backends issued \(issued.count) session cookies")

        // Refused requests carrying a session cookie: the error answers do not echo it.
        var answers = ""
        for bad in [
            "GET / HTTP/1.1\r\nHost: app\r\nCookie: JSESSIONID=SECRETREFUSED1\r\nX-Fold: a\r\n b\r\n\r\n",
            "GET / HTTP/1.1\r\nCookie: JSESSIONID=SECRETREFUSED2\r\n\r\n",
            "GET /?token=SECRETREFUSED3 HTTP/1.1\r\nHost: app\r\nCookie: JSESSIONID=\(String(repeating: "S", count: 9000))\r\n\r\n",
        ] {
            let (answer, connection) = try RawRequest.send(bad, to: cluster.proxyPort)
            connection.close()
            #expect(answer.status == 400 || answer.status == 431)
            answers += answer.response.map { "\($0.headers) \($0.text)" } ?? ""
        }
        // The two refused after their head was read (no Host; Cookie over its limit) are in the access log; the one
        // the decoder refused never became a request.
        requests += 2
        secrets.formUnion(["SECRETREFUSED1", "SECRETREFUSED2", "SECRETREFUSED3", String(repeating: "S", count: 40)])

        // What the admin listener shows: metrics and the backend list.
        let admin = HTTPTestClient(port: cluster.adminPort, usesCookies: false)
        let metrics = try admin.get("/metrics").text
        let backends = try admin.get("/backends").text
        #expect(metrics.contains("sticky_requests_total"))

        proxy.send(signal: SIGTERM)
        #expect(try proxy.waitForExit(timeout: .seconds(60)) == 0)
        let log = proxy.standardError + proxy.standardOutput
        for (place, text) in [("log", log), ("metrics", metrics), ("backend list", backends), ("error answers", answers)]
        {
            for secret in secrets.sorted() where text.contains(secret) {
                Issue.record("the \(place) contains \(secret.debugDescription)")
            }
        }

        // The log was really on: one access line per request, the sanitized paths among them.
        let lines = log.split(separator: "\n")
        let accessLines = lines.filter { $0.contains("sticky-proxy.access") }
        #expect(accessLines.count == requests, "\(accessLines.count) access lines for \(requests) requests")
        #expect(accessLines.contains { $0.contains("/cart") && $0.contains("sticky") }, "\(log)")
        #expect(accessLines.contains { $0.contains("/x/y") && $0.contains("unknown_session") }, "\(log)")
        #expect(lines.contains { $0.contains("trace") || $0.contains("debug") || $0.contains("notice") })
        if format == "json" {
            for line in lines {
                let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                #expect(object?["message"] is String, "not a JSON log line: \(line)")
            }
        }
    }
}
