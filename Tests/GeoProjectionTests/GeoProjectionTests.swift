// Tests of the GeoProjection module live in this target.
