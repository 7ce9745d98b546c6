// Tests of the GeoNetCDF module live in this target.
