import Foundation
import Testing

@testable import StickyCore

/// `STICKY_KEY_SECRET_FILE`: the key secret kept out of the environment.
@Suite struct KeySecretFileTests {
    typealias Fixtures = ConfigurationFixtures

    /// `contents` written to a fresh file, whose path `body` gets.
    private func withSecretFile<Result>(_ contents: String, _ body: (String) throws -> Result) throws -> Result {
        try Fixtures.withConfigFile(contents, body)
    }

    @Test func theSecretIsTheFileWithoutItsTrailingNewline() throws {
        for written in ["s3cret", "s3cret\n", "s3cret\r\n"] {
            let configuration = try withSecretFile(written) { path in
                try Fixtures.load(environment: Fixtures.minimalEnvironment.merging(["STICKY_KEY_SECRET_FILE": path]) {
                    $1
                })
            }
            #expect(configuration.keySecret == Array("s3cret".utf8), "file \(written.debugDescription)")
        }
    }

    @Test func onlyOneTrailingNewlineIsDropped() throws {
        let configuration = try withSecretFile(" a b\n\n") { path in
            try Fixtures.load(CLIValues(keySecretFile: path))
        }
        #expect(configuration.keySecret == Array(" a b\n".utf8))
    }

    @Test func theFileCanBeNamedInTheConfigFile() throws {
        let configuration = try withSecretFile("from-a-file") { secretPath in
            try Fixtures.load(yaml: "key_secret_file: \(secretPath)")
        }
        #expect(configuration.keySecret == Array("from-a-file".utf8))
    }

    @Test func aMissingFileIsNamedWithTheSystemsReason() throws {
        let message = try Fixtures.errorMessage(
            environment: Fixtures.minimalEnvironment.merging(["STICKY_KEY_SECRET_FILE": "/nonexistent/secret"]) { $1 }
        )
        #expect(message == #"STICKY_KEY_SECRET_FILE: cannot read "/nonexistent/secret": No such file or directory"#)
    }

    @Test func anEmptyFileIsRefusedWithoutShowingAnything() throws {
        let message = try withSecretFile("\n") { path in
            try Fixtures.errorMessage(CLIValues(keySecretFile: path))?.replacing(path, with: "PATH")
        }
        #expect(message == #"--key-secret-file: "PATH" holds no secret (the file is empty)"#)
    }

    @Test func theSecretAndItsFileTogetherAreRefused() throws {
        let message = try withSecretFile("one") { path in
            try Fixtures.errorMessage(CLIValues(keySecret: "two", keySecretFile: path))?.replacing(path, with: "PATH")
        }
        #expect(
            message == #"--key-secret-file: "PATH" is set together with the key secret itself: set one of them"#
        )
        #expect(message?.contains("two") == false)
    }
}
