// Tests of the GeomapCore module live in this target.
