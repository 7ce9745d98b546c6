// Tests of the GeoRaster module live in this target.
