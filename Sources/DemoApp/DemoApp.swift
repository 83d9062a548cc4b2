#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `demo-app`: a backend that issues sessions like express-session, for `make run` and the end-to-end tests.
@main
enum DemoApp {
    static func main() {
        let options: DemoOptions
        do {
            options = try DemoOptions.parse(Array(CommandLine.arguments.dropFirst()))
        } catch .helpRequested {
            Console.out(DemoOptions.usage)
            exit(0)
        } catch {
            Console.error("demo-app: \(error)")
            Console.error(DemoOptions.usage)
            exit(2)
        }

        do {
            try DemoServer(options: options).run()
        } catch {
            Console.error("demo-app \(options.name): \(error)")
            exit(1)
        }
    }
}
