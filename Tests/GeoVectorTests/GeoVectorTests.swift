// Tests of the GeoVector module live in this target.
