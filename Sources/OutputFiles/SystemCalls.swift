#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The C calls whose names the ``FileSystem`` methods shadow.
enum SystemCall {
    static func rename(_ source: String, _ destination: String) -> Int32 {
        #if canImport(Glibc)
            Glibc.rename(source, destination)
        #else
            Darwin.rename(source, destination)
        #endif
    }

    static func link(_ source: String, _ destination: String) -> Int32 {
        #if canImport(Glibc)
            Glibc.link(source, destination)
        #else
            Darwin.link(source, destination)
        #endif
    }

    static func unlink(_ path: String) -> Int32 {
        #if canImport(Glibc)
            Glibc.unlink(path)
        #else
            Darwin.unlink(path)
        #endif
    }

    static func write(_ fd: Int32, _ pointer: UnsafeRawPointer, _ count: Int) -> Int {
        #if canImport(Glibc)
            Glibc.write(fd, pointer, count)
        #else
            Darwin.write(fd, pointer, count)
        #endif
    }
}
