import Foundation

/// Builds `sockaddr_in` values for 127.0.0.1 and other dotted IPv4 addresses.
enum SocketAddressIPv4 {
    static func loopback(port: Int) -> sockaddr_in {
        make(host: "127.0.0.1", port: port)!
    }

    static func make(host: String, port: Int) -> sockaddr_in? {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        let host = host == "localhost" ? "127.0.0.1" : host
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { return nil }
        return address
    }
}
