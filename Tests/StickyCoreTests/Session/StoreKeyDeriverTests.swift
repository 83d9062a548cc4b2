import Testing

@testable import StickyCore

/// Expected digests computed independently with Python:
/// `base64.urlsafe_b64encode(hashlib.sha256(b"ID").digest()).rstrip(b"=")`, and
/// `hmac.new(b"KEY", b"ID", hashlib.sha256).digest()` in place of the SHA-256 digest for HMAC.
@Suite struct StoreKeyDeriverTests {
    @Test func sha256Keys() {
        let keys = StoreKeyDeriver(prefix: "sticky:", secret: nil)
        #expect(
            keys.key(cookieName: "connect.sid", sessionID: "s%3Aabc.def").rawValue
                == "sticky:connect.sid:tVv8ytrS1ePNYIyDnXZNm3lP7Y7_uoJaP9ut5v195WI"
        )
        #expect(
            keys.key(cookieName: "PHPSESSID", sessionID: "ABC123").rawValue
                == "sticky:PHPSESSID:4L69IoGZk0JYFIZrYnAeKRnqJvE3BJnBA3tTudScLIo"
        )
        #expect(
            keys.key(cookieName: "JSESSIONID", sessionID: "").rawValue
                == "sticky:JSESSIONID:47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU"
        )
        #expect(
            keys.key(cookieName: "sid", sessionID: "café").rawValue
                == "sticky:sid:hQ99xDkQ_4kPiHnA7Sb-aXyToGetk6fVD0ZqcCipv04"
        )
        let long = String(repeating: "x", count: 4096)
        #expect(
            keys.key(cookieName: "sid", sessionID: long).rawValue
                == "sticky:sid:ouZZ2stGkeiHrAE5-Ik9BHZO4ZfXD7c9MZDVYRPRjj4"
        )
    }

    @Test func hmacKeys() {
        let keys = StoreKeyDeriver(prefix: "", secret: Array("secret".utf8))
        #expect(
            keys.key(cookieName: "connect.sid", sessionID: "s%3Aabc.def").rawValue
                == "connect.sid:ysRDOtZJV2OBueMruuJiYFyLFGG538dkyO_SUSty_n4"
        )
        // A key longer than SHA-256's block is hashed first.
        let longSecret = StoreKeyDeriver(prefix: "p/", secret: Array(repeating: UInt8(ascii: "k"), count: 100))
        #expect(
            longSecret.key(cookieName: "PHPSESSID", sessionID: "ABC123").rawValue
                == "p/PHPSESSID:CwEOT1rikncfWjmihZDUfW4cZL52trI2-6T23F6nhWQ"
        )
        // An empty secret still selects HMAC.
        let emptySecret = StoreKeyDeriver(prefix: "", secret: [])
        #expect(
            emptySecret.key(cookieName: "PHPSESSID", sessionID: "ABC123").rawValue
                == "PHPSESSID:UJHXYEG8h-BCrwOIfYENZBAQg-xoDqg2IOo4Yc-uYEM"
        )
    }

    @Test func theSameDeriverGivesTheSameKeyEveryTime() {
        let keys = StoreKeyDeriver(prefix: "", secret: Array("secret".utf8))
        let first = keys.key(cookieName: "sid", sessionID: "abc")
        for _ in 0..<3 {
            #expect(keys.key(cookieName: "sid", sessionID: "abc") == first)
        }
        #expect(keys.key(for: SessionCookie(name: "sid", id: "abc")) == first)
    }

    @Test func keysDifferByNameSecretAndID() {
        let plain = StoreKeyDeriver(prefix: "", secret: nil)
        let keyed = StoreKeyDeriver(prefix: "", secret: Array("secret".utf8))
        let other = StoreKeyDeriver(prefix: "", secret: Array("secreT".utf8))
        let all = [
            plain.key(cookieName: "sid", sessionID: "abc"),
            plain.key(cookieName: "SID", sessionID: "abc"),
            plain.key(cookieName: "sid", sessionID: "abd"),
            keyed.key(cookieName: "sid", sessionID: "abc"),
            other.key(cookieName: "sid", sessionID: "abc"),
        ]
        #expect(Set(all).count == all.count)
    }

    @Test func keysNeverContainTheRawID() {
        for secret in [nil, Array("secret".utf8)] {
            let keys = StoreKeyDeriver(prefix: "k:", secret: secret)
            for id in ["SECRETSESSION", "s%3Aabc.def", "A", "ABC-_123", String(repeating: "Z", count: 4096)] {
                let key = keys.key(cookieName: "sid", sessionID: id).rawValue
                let digest = key.dropFirst("k:sid:".count)
                #expect(key.hasPrefix("k:sid:"))
                #expect(digest.count == 43)
                #expect(!digest.contains("="))
                #expect(digest.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
                if id.count > 3 {
                    #expect(!key.contains(id))
                }
            }
        }
    }

    @Test func base64URLMatchesRFC4648Vectors() {
        let vectors: [(String, String)] = [
            ("", ""), ("f", "Zg"), ("fo", "Zm8"), ("foo", "Zm9v"), ("foob", "Zm9vYg"), ("fooba", "Zm9vYmE"),
            ("foobar", "Zm9vYmFy"),
        ]
        for (input, expected) in vectors {
            let encoded = Array(input.utf8).withUnsafeBytes { StoreKeyDeriver.base64URL($0) }
            #expect(encoded == expected)
        }
        // The URL-safe alphabet: 62 → "-", 63 → "_".
        #expect([UInt8(0xFB), 0xFF, 0xBF].withUnsafeBytes { StoreKeyDeriver.base64URL($0) } == "-_-_")
    }
}
