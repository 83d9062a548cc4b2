import Foundation

/// Runs blocking closures on threads of their own that a barrier releases at the same moment, to make two
/// replicas handle two requests at once.
enum Simultaneously {
    /// Runs every body on its own thread, each starting only once all threads have reached the barrier. Returns
    /// the results in order, after every thread has finished.
    static func run<Value>(_ bodies: [() throws -> Value]) -> [Result<Value, any Error>] {
        let barrier = StartBarrier(parties: bodies.count)
        let results = ResultSlots<Value>(count: bodies.count)
        let finished = DispatchSemaphore(value: 0)
        for (index, body) in bodies.enumerated() {
            let transfer = BodyTransfer(body)
            let thread = Thread {
                barrier.arriveAndWait()
                results.set(index, Result { try transfer.body() })
                finished.signal()
            }
            thread.start()
        }
        for _ in bodies { finished.wait() }
        return results.values
    }
}

/// Releases its parties together once all of them have arrived.
private final class StartBarrier: @unchecked Sendable {
    // @unchecked Sendable: `arrived` is read and written only with `condition` locked.
    private let condition = NSCondition()
    private var arrived = 0
    private let parties: Int

    init(parties: Int) {
        self.parties = parties
    }

    func arriveAndWait() {
        self.condition.lock()
        defer { self.condition.unlock() }
        self.arrived += 1
        if self.arrived == self.parties {
            self.condition.broadcast()
        }
        while self.arrived < self.parties {
            self.condition.wait()
        }
    }
}

/// A closure handed to exactly one thread.
private final class BodyTransfer<Value>: @unchecked Sendable {
    // @unchecked Sendable: the closure (and whatever non-Sendable client it captured) is used only by the one thread
    // it is handed to, while the thread that created it waits for that thread to finish.
    let body: () throws -> Value

    init(_ body: @escaping () throws -> Value) {
        self.body = body
    }
}

/// One result slot per thread.
private final class ResultSlots<Value>: @unchecked Sendable {
    // @unchecked Sendable: every access holds `lock`, and each thread writes only its own slot.
    private let lock = NSLock()
    private var slots: [Result<Value, any Error>?]

    init(count: Int) {
        self.slots = Array(repeating: nil, count: count)
    }

    func set(_ index: Int, _ result: Result<Value, any Error>) {
        self.lock.withLock { self.slots[index] = result }
    }

    var values: [Result<Value, any Error>] {
        self.lock.withLock { self.slots.map { $0! } }
    }
}
