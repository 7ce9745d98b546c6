// GeoVector: OGR polygon layers (basins), their attributes and CRS.
