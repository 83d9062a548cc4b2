import StickyCore
import Testing

@testable import RedisStore

@Suite struct RedisLoopConnectionStateMachineTests {
    typealias Machine = RedisLoopConnection.StateMachine<String>

    private static func makeMachine() -> Machine {
        Machine(backoff: RedisReconnectBackoff(initial: .milliseconds(50), maximum: .seconds(2)))
    }

    private static func connectFirst(_ machine: inout Machine) -> Machine.ConnectionID {
        guard case .connectAndWait(let id) = machine.execute() else {
            Issue.record("the first call did not connect")
            return -1
        }
        return id
    }

    @Test func connectsOnFirstUseAndQueuesCallsUntilConnected() {
        var machine = Self.makeMachine()
        let id = Self.connectFirst(&machine)
        guard case .wait = machine.execute() else {
            Issue.record("did not wait")
            return
        }
        guard case .handshakeAndFlush = machine.connected(id, "c0") else {
            Issue.record("no handshake")
            return
        }
        guard case .write("c0") = machine.execute() else {
            Issue.record("did not write")
            return
        }
    }

    @Test func failsFastWhileBackingOffAndBacksOffExponentially() {
        var machine = Self.makeMachine()
        var id = Self.connectFirst(&machine)
        var delays: [Duration] = []
        for _ in 0..<8 {
            let (error, delay) = machine.connectFailed(id, jitter: 0.999_999)
            #expect(error == .unavailable)
            delays.append(delay!)
            guard case .fail(.unavailable) = machine.execute() else {
                Issue.record("did not fail fast")
                return
            }
            id = machine.reconnectDue()!
            guard case .wait = machine.execute() else {
                Issue.record("did not wait")
                return
            }
        }
        let milliseconds = delays.map { Int(($0 / .milliseconds(1)).rounded()) }
        #expect(milliseconds == [100, 200, 400, 800, 1600, 2000, 2000, 2000])
    }

    @Test func aHealthyConnectionThatDropsReconnectsSoonAndResetsTheBackoff() {
        var machine = Self.makeMachine()
        var id = Self.connectFirst(&machine)
        _ = machine.connectFailed(id, jitter: 0)
        _ = machine.connectFailed(machine.reconnectDue()!, jitter: 0)
        id = machine.reconnectDue()!
        _ = machine.connected(id, "c2")
        machine.handshakeSucceeded(id)
        #expect(machine.failures == 0)
        let delay = machine.closed(id, jitter: 0)
        #expect(delay == .milliseconds(25))
        guard case .fail(.unavailable) = machine.execute() else {
            Issue.record("did not fail fast")
            return
        }
    }

    @Test func aFailedHandshakeCountsAsAFailedAttempt() {
        var machine = Self.makeMachine()
        let id = Self.connectFirst(&machine)
        _ = machine.connected(id, "c0")
        // Closed before the handshake was confirmed: WRONGPASS, say.
        let delay = machine.closed(id, jitter: 0)
        #expect(machine.failures == 1)
        #expect(delay == .milliseconds(50))
    }

    @Test func ignoresTheCloseOfAConnectionThatIsNotCurrent() {
        var machine = Self.makeMachine()
        let first = Self.connectFirst(&machine)
        _ = machine.connected(first, "c0")
        _ = machine.closed(first, jitter: 0)
        let second = machine.reconnectDue()!
        _ = machine.connected(second, "c1")
        #expect(machine.closed(first, jitter: 0) == nil)
        guard case .write("c1") = machine.execute() else {
            Issue.record("lost the current connection")
            return
        }
    }

    @Test func shutdownDrainsTheConnectionAndRefusesLaterCalls() {
        var machine = Self.makeMachine()
        let id = Self.connectFirst(&machine)
        _ = machine.connected(id, "c0")
        guard case .drain("c0") = machine.shutdown() else {
            Issue.record("did not drain")
            return
        }
        guard case .fail(.shutdown) = machine.execute() else {
            Issue.record("did not refuse")
            return
        }
        #expect(machine.closed(id, jitter: 0) == nil)
        #expect(machine.reconnectDue() == nil)
    }

    @Test func shutdownWhileConnectingClosesTheConnectionWhenItLands() {
        var machine = Self.makeMachine()
        let id = Self.connectFirst(&machine)
        guard case .failWaiters = machine.shutdown() else {
            Issue.record("did not fail waiters")
            return
        }
        guard case .close = machine.connected(id, "c0") else {
            Issue.record("did not close")
            return
        }
    }

    @Test func backoffJitterTakesOffAtMostHalf() {
        let backoff = RedisReconnectBackoff(initial: .milliseconds(50), maximum: .seconds(2))
        #expect(backoff.delay(afterFailures: 0, jitter: 0) == .milliseconds(25))
        #expect(backoff.delay(afterFailures: 0, jitter: 0.5) == .microseconds(37_500))
        #expect(backoff.delay(afterFailures: 3, jitter: 0) == .milliseconds(200))
        #expect(backoff.delay(afterFailures: 1_000, jitter: 0) == .seconds(1))
        #expect(backoff.delay(afterFailures: 1_000, jitter: 0.999_999) < .seconds(2))
    }
}
