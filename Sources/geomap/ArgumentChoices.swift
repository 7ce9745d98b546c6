// The fixed sets of option values: each an enum that ArgumentParser parses, so a value outside
// the set is exit 2 naming the option and `--help` lists the choices.
public import ArgumentParser
import GeomapCore

extension TilePooling: ExpressibleByArgument {}
extension ZonalStatistic: ExpressibleByArgument {}
