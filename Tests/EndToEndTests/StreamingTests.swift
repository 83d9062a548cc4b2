import Testing

/// Bodies stream through the proxy in both directions without being held in memory.
@Suite("proxy: streaming")
struct StreamingTests {
    @Test("1 GiB up and 1 GiB down through the proxy with peak RSS under 100 MB")
    func oneGibibyte() throws {
        let cluster = try TestCluster.withProxy(label: "streaming", backendCount: 1)
        defer { cluster.stop() }
        let proxy = try #require(cluster.proxy)

        let result = try Streaming.roundTrip(port: cluster.proxyPort, bytes: 1 << 30)

        // A chunked upload too (smaller: the framing is what differs).
        let client = cluster.proxyClient(usesCookies: false)
        let chunked = try client.request("POST", "/upload", body: .generated(count: 64 << 20, chunked: true))
        #expect(chunked.text == "bytes=\(64 << 20)\n")

        let peak = try ProcessMemory.peakResidentBytes(pid: proxy.pid)
        print("proxy streaming: \(result.summary); sticky-proxy VmHWM \(peak >> 10) kB (\(peak / 1_000_000) MB)")
        #expect(peak < Streaming.memoryLimit, "sticky-proxy peak RSS \(peak / 1_000_000) MB, limit 100 MB")
    }
}
