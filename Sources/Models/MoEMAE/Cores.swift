import Foundation

/// Active processor count (Foundation kept out of the encoder's public interface).
func sysconfCores() -> Int { ProcessInfo.processInfo.activeProcessorCount }
