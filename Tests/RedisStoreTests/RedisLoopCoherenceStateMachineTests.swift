import StickyCore
import Testing

@testable import RedisStore

@Suite struct RedisLoopCoherenceStateMachineTests {
    typealias Machine = RedisLoopCoherence.StateMachine

    @Test func enablesTrackingOnlyOnceBothConnectionsAreUpAndReportsTrackedOnOK() {
        var machine = Machine()
        #expect(machine.dataConnectionReady(0) == [])
        #expect(
            machine.listenerSubscribed(clientID: 7) == [
                .enableTracking(connection: 0, redirect: 7, disableFirst: false)
            ]
        )
        #expect(!machine.isReporting)
        #expect(
            machine.trackingAnswered(connection: 0, redirect: 7, succeeded: true) == [.report(.tracked)]
        )
        #expect(machine.isReporting)

        // The other order.
        var other = Machine()
        #expect(other.listenerSubscribed(clientID: 3) == [])
        #expect(
            other.dataConnectionReady(5) == [
                .enableTracking(connection: 5, redirect: 3, disableFirst: false)
            ]
        )
    }

    @Test func aLostDataConnectionReportsUntrackedOnceAndANewOneTracksAgain() {
        var machine = Self.tracked()
        #expect(machine.dataConnectionLost(0) == [.report(.untracked)])
        #expect(machine.dataConnectionLost(0) == [])
        #expect(
            machine.dataConnectionReady(1) == [
                .enableTracking(connection: 1, redirect: 7, disableFirst: false)
            ]
        )
        #expect(
            machine.trackingAnswered(connection: 1, redirect: 7, succeeded: true) == [.report(.tracked)]
        )
    }

    @Test func aLostListenerReportsUntrackedAndTheNewOneNeedsTrackingOffFirst() {
        var machine = Self.tracked()
        #expect(machine.listenerLost() == [.report(.untracked)])
        #expect(machine.listenerLost() == [])
        #expect(
            machine.listenerSubscribed(clientID: 8) == [
                .enableTracking(connection: 0, redirect: 8, disableFirst: true)
            ]
        )
        // A late answer about the old redirect is ignored.
        #expect(machine.trackingAnswered(connection: 0, redirect: 7, succeeded: true) == [])
        #expect(
            machine.trackingAnswered(connection: 0, redirect: 8, succeeded: true) == [.report(.tracked)]
        )
    }

    @Test func anUntrackedLoopHearsNothingWhenItsConnectionsDrop() {
        var machine = Machine()
        _ = machine.dataConnectionReady(0)
        _ = machine.listenerSubscribed(clientID: 7)
        #expect(machine.listenerLost() == [])
        #expect(machine.dataConnectionLost(0) == [])
    }

    @Test func aNewDataConnectionWithoutTheOldOneLostStillReportsTheGap() {
        var machine = Self.tracked()
        #expect(
            machine.dataConnectionReady(1) == [
                .report(.untracked), .enableTracking(connection: 1, redirect: 7, disableFirst: false),
            ]
        )
    }

    @Test func aRefusalIsRetriedOnlyOnANewConnection() {
        var machine = Machine()
        _ = machine.dataConnectionReady(0)
        _ = machine.listenerSubscribed(clientID: 7)
        #expect(machine.trackingAnswered(connection: 0, redirect: 7, succeeded: false) == [])
        #expect(!machine.isReporting)
        // The same data connection, even with a new listener: not again.
        _ = machine.listenerLost()
        #expect(machine.listenerSubscribed(clientID: 8) == [])
        // A new data connection: again.
        _ = machine.dataConnectionLost(0)
        #expect(
            machine.dataConnectionReady(1) == [
                .enableTracking(connection: 1, redirect: 8, disableFirst: false)
            ]
        )
    }

    @Test func answersAboutAnOldDataConnectionAreIgnored() {
        var machine = Machine()
        _ = machine.listenerSubscribed(clientID: 7)
        _ = machine.dataConnectionReady(0)
        _ = machine.dataConnectionLost(0)
        #expect(machine.trackingAnswered(connection: 0, redirect: 7, succeeded: true) == [])
        #expect(!machine.isReporting)
    }

    @Test func shutdownReportsUntrackedOnceAndNothingAfter() {
        var machine = Self.tracked()
        #expect(machine.shutdown() == [.report(.untracked)])
        #expect(machine.shutdown() == [])
        #expect(machine.listenerLost() == [])
        #expect(machine.dataConnectionReady(3) == [])
        #expect(machine.listenerSubscribed(clientID: 9) == [])
        var untracked = Machine()
        #expect(untracked.shutdown() == [])
    }

    private static func tracked() -> Machine {
        var machine = Machine()
        _ = machine.dataConnectionReady(0)
        _ = machine.listenerSubscribed(clientID: 7)
        _ = machine.trackingAnswered(connection: 0, redirect: 7, succeeded: true)
        return machine
    }
}
