/// The cookies a test client holds: stores `Set-Cookie` name=value pairs and honours deletions. Paths and domains
/// are ignored: every test talks to one origin with `Path=/`.
struct CookieJar {
    private var cookies: [(name: String, value: String)] = []

    subscript(name: String) -> String? {
        self.cookies.first { $0.name == name }?.value
    }

    var isEmpty: Bool { self.cookies.isEmpty }

    /// The `Cookie` request header value, or `nil` when the jar is empty.
    var cookieHeader: String? {
        self.cookies.isEmpty ? nil : self.cookies.map { "\($0.name)=\($0.value)" }.joined(separator: "; ")
    }

    mutating func set(_ name: String, _ value: String) {
        self.remove(name)
        self.cookies.append((name, value))
    }

    mutating func remove(_ name: String) {
        self.cookies.removeAll { $0.name == name }
    }

    /// Applies every `Set-Cookie` of a response.
    mutating func update(from response: HTTPTestResponse, now: Int64 = POSIX.nowEpochSeconds()) {
        for header in response.setCookies {
            guard let cookie = SetCookie(header) else { continue }
            if cookie.deletes(now: now) {
                self.remove(cookie.name)
            } else {
                self.set(cookie.name, cookie.value)
            }
        }
    }
}
