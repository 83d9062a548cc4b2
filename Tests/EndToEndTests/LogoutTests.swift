import Testing

/// A logout (a deletion `Set-Cookie`) removes the session's mapping.
@Suite("proxy: logout")
struct LogoutTests {
    @Test("after /logout the old session ID no longer routes sticky")
    func logoutForgetsTheMapping() throws {
        let cluster = try TestCluster.withProxy(label: "logout")
        defer { cluster.stop() }

        let client = cluster.proxyClient()
        let first = try client.get("/")
        let owner = try #require(first.backend)
        let oldCookie = try #require(client.cookies["connect.sid"])

        // Before the logout, the cookie alone pins every request to the owner.
        let replayer = cluster.proxyClient(usesCookies: false)
        for _ in 0..<10 {
            let response = try replayer.get("/", headers: [("Cookie", "connect.sid=\(oldCookie)")])
            try #require(response.backend == owner, "a live session must stick")
            #expect(response.setCookies.isEmpty)
        }

        let logout = try client.get("/logout")
        #expect(logout.status == 200)
        #expect(logout.backend == owner, "the logout goes to the session's backend")
        #expect(client.cookies["connect.sid"] == nil)

        // After it, the old ID is unknown everywhere: each request is balanced afresh and gets a new session.
        var seen: [String: Int] = [:]
        for _ in 0..<30 {
            let response = try replayer.get("/", headers: [("Cookie", "connect.sid=\(oldCookie)")])
            #expect(response.status == 200)
            #expect(response.setCookies(named: "connect.sid").count == 1, "a new session is issued")
            seen[response.backend ?? "none", default: 0] += 1
        }
        #expect(seen.count >= 2, "the logged-out ID still routes to one backend: \(seen)")

        // The same as a cookie no backend ever issued.
        var unknown: [String: Int] = [:]
        for index in 0..<30 {
            let response = try replayer.get("/", headers: [("Cookie", "connect.sid=s%3Anobodyknowsthis\(index).sig")])
            unknown[response.backend ?? "none", default: 0] += 1
        }
        #expect(unknown.count >= 2, "unknown session IDs went to \(unknown)")

        // And the client that logged out starts a new session that sticks again.
        let fresh = try client.get("/")
        let newOwner = try #require(fresh.backend)
        #expect(fresh.text.hasPrefix("\(newOwner) visits=1 "))
        for visit in 2...5 {
            #expect(try client.get("/").text.hasPrefix("\(newOwner) visits=\(visit) "))
        }
    }
}
